using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Api;
using PaperFeed.Worker.Messaging;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Storage.Sqlite;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.ChaosTests.Harness;

/// <summary>
/// What every scenario needs: a folder of its own with the SQLite file, a loopback feed server, a virtual host of
/// its own on the broker, and worker processes started on them (killed at the end whatever happened).
/// </summary>
public abstract class ChaosScenario(RabbitMqFixture broker) : IAsyncLifetime
{
    /// <summary>A schedule that never fires during a test: polls happen when a test asks for them.</summary>
    public const string Never = "0 0 0 1 1 ? 2099";

    /// <summary>
    /// How long a worker may take to notice a broker that went away without it seeing the connection close. The
    /// client ends a connection once three checks, one per heartbeat interval, found no frame (30–40 s at 10 s), then
    /// /health/ready says so; this leaves room for a loaded machine and is still far below the 3–4 minutes that the
    /// client's default heartbeat of 60 s would take.
    /// </summary>
    public static readonly TimeSpan BrokerLossNoticed = RabbitMqTimeouts.Heartbeat * 6;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly string _folder = Directory.CreateTempSubdirectory("paperfeed-chaos-").FullName;
    private readonly List<IAsyncDisposable> _owned = [];

    protected RabbitMqFixture Broker => broker;

    protected FeedServer Feeds { get; private set; } = null!;

    protected string DatabasePath => Path.Combine(_folder, "paperfeed.db");

    protected StoreProbe Store => new(DatabasePath);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    public virtual async ValueTask InitializeAsync() => Feeds = await FeedServer.StartAsync();

    public virtual async ValueTask DisposeAsync()
    {
        // Workers first (they hold the file and the broker connections), then what they talked to.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await Feeds.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (TestContext.Current.TestState?.Result is TestResult.Failed)
        {
            // What the worker left behind is the evidence.
            Report($"kept the scenario's folder with the SQLite file: {_folder}");
        }
        else
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Disposed with the scenario (receivers, broker control), before the feed server.</summary>
    protected T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>
    /// The settings every scenario starts from: RabbitMQ in a fresh virtual host, the SQLite file, webhooks allowed
    /// to 127.0.0.1 only, and the delivery jobs looking for work every second.
    /// </summary>
    protected async Task<Dictionary<string, string?>> SettingsAsync(string vhostHint)
    {
        broker.SkipIfUnavailable();
        var vhost = await broker.CreateVirtualHostAsync(vhostHint);
        return new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = vhost,
            ["PaperFeed:Store"] = "Sqlite",
            ["ConnectionStrings:Sqlite"] = $"Data Source={DatabasePath}",
            ["PaperFeed:Http:Timeout"] = "00:00:20",
            ["PaperFeed:Http:Retries"] = "1",
            ["PaperFeed:Http:RetryDelay"] = "00:00:00.200",
            ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32",
            ["PaperFeed:Deliveries:JobInterval"] = "00:00:01",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:MassTransit"] = "Warning",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        };
    }

    /// <summary>A feed source named <paramref name="name"/> at index <paramref name="index"/> reading <paramref name="path"/> of the feed server.</summary>
    protected void AddFeedSource(Dictionary<string, string?> settings, int index, string name, string path, string schedule = Never)
    {
        settings[$"PaperFeed:Sources:{index}:Name"] = name;
        settings[$"PaperFeed:Sources:{index}:Type"] = "feed";
        settings[$"PaperFeed:Sources:{index}:Url"] = Feeds.Url(path).AbsoluteUri;
        settings[$"PaperFeed:Sources:{index}:Schedule"] = schedule;
        settings[$"PaperFeed:Sources:{index}:Enabled"] = "true";
    }

    protected async Task<WorkerProcess> StartWorkerAsync(IReadOnlyDictionary<string, string?> settings) =>
        Own(await WorkerProcess.StartAsync(settings, _folder));

    /// <summary>Stores an active webhook subscription with a known secret in the SQLite file, before the worker starts.</summary>
    protected async Task<Subscription> SeedWebhookSubscriptionAsync(Uri url, string secret, params string[] keywords)
    {
        var now = DateTimeOffset.UtcNow;
        var subscription = new Subscription
        {
            Id = ResourceIds.NewSubscriptionId(TimeProvider.System),
            Name = "chaos",
            Channel = new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = url.AbsoluteUri, Format = WebhookFormat.Standard, Secret = secret },
            Filter = new SubscriptionFilter { Keywords = keywords },
            Status = SubscriptionStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
            ConfirmedAt = now,
        };
        using var database = await OpenDatabaseAsync();
        await new SqliteSubscriptionStore(database).AddAsync(subscription, Ct);
        return subscription;
    }

    /// <summary>Stores a source's state as a successful poll at <paramref name="at"/> with <paramref name="checkpoint"/> would have left it.</summary>
    protected async Task SeedSourceStateAsync(string name, string? checkpoint, DateTimeOffset at)
    {
        using var database = await OpenDatabaseAsync();
        await new SqliteSourceStateStore(database).RecordSuccessAsync(name, checkpoint, new Dictionary<string, HttpValidators>(), 0, at, Ct);
    }

    private async Task<SqliteDatabase> OpenDatabaseAsync()
    {
        var database = new SqliteDatabase($"Data Source={DatabasePath};Pooling=False");
        await database.InitializeAsync(Ct);
        return database;
    }

    protected static async Task<SourceResponseItem> SourceAsync(WorkerProcess worker, string name)
    {
        var sources = await worker.Api.GetFromJsonAsync<List<SourceResponseItem>>("/api/sources", Json, Ct) ?? [];
        return sources.Single(s => s.Name == name);
    }

    /// <summary>POST /api/sources/{name}/poll (202: the poll runs in the worker now).</summary>
    protected static async Task TriggerPollAsync(WorkerProcess worker, string name)
    {
        using var response = await worker.Api.PostAsync($"/api/sources/{name}/poll", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>
    /// The store holds papers 1 to <paramref name="count"/> of <see cref="ChaosFeeds"/>, each exactly once and seen once:
    /// nothing lost, nothing doubled, however often the papers were published or delivered.
    /// </summary>
    protected async Task AssertEveryPaperStoredOnceAsync(StoreProbe.PaperCounts papers, int count)
    {
        Assert.Equal(count, papers.Rows);
        Assert.Equal(count, papers.DistinctIds);
        Assert.Equal(count, papers.Sightings);
        Assert.Equal(Enumerable.Range(1, count).Select(ChaosFeeds.PaperId).Order(StringComparer.Ordinal), await Store.PaperIdsAsync());
    }

    protected static void Report(string line) => Output?.WriteLine(line);
}
