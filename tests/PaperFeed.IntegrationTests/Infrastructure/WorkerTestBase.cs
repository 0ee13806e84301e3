namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback feed server, a temporary folder for the SQLite file, and a worker started on them with the
/// transport a subclass chooses. Sources are polled when a test asks, never by their schedule.
/// </summary>
public abstract class WorkerTestBase : IAsyncLifetime
{
    // A schedule that never fires during a test: polls happen when a test asks for them.
    public const string Never = "0 0 0 1 1 ? 2099";

    private readonly string _folder = Directory.CreateTempSubdirectory("paperfeed-pipeline-").FullName;
    private FeedServer _server = null!;

    protected FeedServer Server => _server;

    /// <summary>The SQLite file every worker of the test shares.</summary>
    protected string DatabasePath => Path.Combine(_folder, "paperfeed.db");

    protected abstract Task<Dictionary<string, string?>> TransportAsync();

    public async ValueTask InitializeAsync() => _server = await FeedServer.StartAsync();

    public virtual async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected Task<WorkerHost> StartWorkerAsync(params string[] sourcePaths) => StartWorkerAsync(new Dictionary<string, string?>(), sourcePaths);

    /// <summary>A worker polling a feed source per path (named after it), with <paramref name="extra"/> settings on top.</summary>
    protected Task<WorkerHost> StartWorkerAsync(IReadOnlyDictionary<string, string?> extra, params string[] sourcePaths) =>
        StartWorkerAsync(extra, null, sourcePaths);

    protected async Task<WorkerHost> StartWorkerAsync(IReadOnlyDictionary<string, string?> extra, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services, params string[] sourcePaths)
    {
        var settings = await TransportAsync();
        settings["ConnectionStrings:Sqlite"] = $"Data Source={DatabasePath}";
        settings["PaperFeed:Http:Timeout"] = "00:00:01";
        settings["PaperFeed:Http:Retries"] = "1";
        settings["PaperFeed:Http:RetryDelay"] = "00:00:00.050";
        for (var i = 0; i < sourcePaths.Length; i++)
        {
            settings[$"PaperFeed:Sources:{i}:Name"] = sourcePaths[i].Trim('/');
            settings[$"PaperFeed:Sources:{i}:Type"] = "feed";
            settings[$"PaperFeed:Sources:{i}:Url"] = _server.Url(sourcePaths[i]).AbsoluteUri;
            settings[$"PaperFeed:Sources:{i}:Schedule"] = Never;
        }

        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return await WorkerHost.StartAsync(settings, services);
    }
}
