using Microsoft.Extensions.Configuration;

namespace PaperFeed.Worker.Sources;

/// <summary>
/// One configured source (<c>PaperFeed:Sources:N</c>). A definition that cannot be used keeps its
/// <see cref="ConfigError"/> instead of stopping the worker: the other sources run, and the API shows why.
/// </summary>
public sealed record SourceDefinition
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public Uri? Url { get; init; }
    public required string Schedule { get; init; }
    public bool Enabled { get; init; } = true;
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    public PollSchedule? ParsedSchedule { get; init; }
    public string? ConfigError { get; init; }

    public bool Runnable => Enabled && ConfigError is null;
}

/// <summary>Reads and checks the configured sources.</summary>
public static class SourceCatalog
{
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase) { "Name", "Type", "Url", "Schedule", "Enabled" };

    public static IReadOnlyList<SourceDefinition> Read(IConfiguration configuration, ICollection<string> knownTypes, string defaultSchedule)
    {
        var result = new List<SourceDefinition>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in configuration.GetSection("PaperFeed:Sources").GetChildren())
        {
            var errors = new List<string>();
            var name = section["Name"]?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                name = $"source-{section.Key}";
                errors.Add($"PaperFeed:Sources:{section.Key}:Name is missing");
            }
            else if (name.StartsWith('@'))
            {
                errors.Add($"source name '{name}' starts with '@', which is reserved for PaperFeed's own jobs");
            }
            else if (!names.Add(name))
            {
                errors.Add($"another source is already named '{name}'");
            }

            var type = section["Type"]?.Trim() ?? "";
            if (type.Length == 0)
            {
                errors.Add("Type is missing");
            }
            else if (!knownTypes.Contains(type))
            {
                errors.Add($"unknown source type '{type}' (known: {string.Join(", ", knownTypes.Order(StringComparer.Ordinal))})");
            }

            Uri? url = null;
            var rawUrl = section["Url"];
            if (!string.IsNullOrWhiteSpace(rawUrl))
            {
                if (!Uri.TryCreate(rawUrl.Trim(), UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                {
                    errors.Add($"Url '{rawUrl}' is not an absolute http(s) URL");
                    url = null;
                }
            }

            var schedule = string.IsNullOrWhiteSpace(section["Schedule"]) ? defaultSchedule : section["Schedule"]!.Trim();
            PollSchedule? parsed = null;
            if (!PollSchedule.TryParse(schedule, out parsed, out var scheduleError))
            {
                errors.Add(scheduleError);
            }

            var enabled = true;
            if (section["Enabled"] is { } rawEnabled && !bool.TryParse(rawEnabled, out enabled))
            {
                errors.Add($"Enabled '{rawEnabled}' is not true or false");
                enabled = false;
            }

            var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in section.AsEnumerable(makePathsRelative: true))
            {
                if (pair.Value is not null && !Known.Contains(pair.Key))
                {
                    options[pair.Key] = pair.Value;
                }
            }

            result.Add(new SourceDefinition
            {
                Name = name,
                Type = type,
                Url = url,
                Schedule = schedule,
                Enabled = enabled,
                Options = options,
                ParsedSchedule = parsed,
                ConfigError = errors.Count == 0 ? null : $"source '{name}': {string.Join("; ", errors)}",
            });
        }

        return result;
    }
}
