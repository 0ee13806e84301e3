namespace PaperFeed.Worker.Hosting;

/// <summary>
/// What one worker process does (<c>PaperFeed:Roles</c>), so a deployment can scale each part on its own:
/// <c>poller</c> runs the sources' schedules, <c>ingest</c> stores discovered papers, <c>notify</c> matches
/// subscriptions and sends (with the retry and digest jobs), <c>api</c> serves the HTTP API. All by default.
/// Health and metrics endpoints are served whatever the roles.
/// </summary>
[Flags]
public enum WorkerRoles
{
    None = 0,
    Poller = 1,
    Ingest = 2,
    Notify = 4,
    Api = 8,
    All = Poller | Ingest | Notify | Api,
}

public static class WorkerRolesConfiguration
{
    public const string Key = "PaperFeed:Roles";

    /// <summary>
    /// Reads <c>PaperFeed:Roles</c>: a comma- or space-separated list (<c>poller,ingest</c>) or a configuration
    /// array (<c>PaperFeed__Roles__0=poller</c>), case-insensitive; absent or empty means every role.
    /// </summary>
    /// <exception cref="InvalidOperationException">An unknown role, with the valid ones.</exception>
    public static WorkerRoles Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Key);
        var names = section.Value is { } single
            ? single.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value?.Trim()).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToArray();
        if (names.Length == 0)
        {
            return WorkerRoles.All;
        }

        var roles = WorkerRoles.None;
        foreach (var name in names)
        {
            roles |= name.ToLowerInvariant() switch
            {
                "poller" => WorkerRoles.Poller,
                "ingest" => WorkerRoles.Ingest,
                "notify" => WorkerRoles.Notify,
                "api" => WorkerRoles.Api,
                "all" => WorkerRoles.All,
                _ => throw new InvalidOperationException(
                    $"{Key} names an unknown role '{name}' (roles: poller, ingest, notify, api, or all; e.g. PaperFeed__Roles=poller,api)"),
            };
        }

        return roles;
    }

    public static string Describe(this WorkerRoles roles) =>
        roles == WorkerRoles.All ? "all" : string.Join(",", Enum.GetValues<WorkerRoles>()
            .Where(r => r is not WorkerRoles.None and not WorkerRoles.All && roles.HasFlag(r))
            .Select(r => r.ToString().ToLowerInvariant()));
}

/// <summary>This worker process among the others sharing the broker and the store: the holder named in leases, and its roles.</summary>
public sealed class WorkerInstance(WorkerRoles roles)
{
    public string Id { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    public WorkerRoles Roles { get; } = roles;

    public bool Has(WorkerRoles role) => (Roles & role) == role;
}
