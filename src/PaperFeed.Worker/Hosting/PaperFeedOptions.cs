namespace PaperFeed.Worker.Hosting;

public enum TransportKind
{
    InMemory,
    RabbitMq,
}

public enum StoreKind
{
    Sqlite,
    Mongo,
}

/// <summary>The <c>PaperFeed</c> configuration section (sources are read separately, see SourceCatalog).</summary>
public sealed class PaperFeedOptions
{
    public const string Section = "PaperFeed";

    public TransportKind Transport { get; set; } = TransportKind.InMemory;
    public StoreKind Store { get; set; } = StoreKind.Sqlite;
    public SourceHttpOptions Http { get; set; } = new();
    public PollingOptions Polling { get; set; } = new();
    public IngestOptions Ingest { get; set; } = new();
    public BrokerOptions Broker { get; set; } = new();
}

/// <summary><c>PaperFeed:Http</c>: how sources talk to the web.</summary>
public sealed class SourceHttpOptions
{
    /// <summary>Per-attempt timeout of one request.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a failed request (429, 5xx, timeouts) within one poll, honouring Retry-After.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>The first retry's delay; later ones grow exponentially.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Responses larger than this are refused (the poll fails with a clear error).</summary>
    public long MaxResponseBytes { get; set; } = 20 * 1024 * 1024;

    public string UserAgent { get; set; } = "PaperFeed/1.0 (+https://github.com/paperfeed/paperfeed)";

    /// <summary>Per-host politeness, shared by every source: keyed by host, applying to its subdomains too.</summary>
    public Dictionary<string, Sources.Http.HostPolicy> Hosts { get; set; } = Sources.Http.HostPolicy.Defaults();
}

/// <summary><c>PaperFeed:Polling</c>: schedules and back-off.</summary>
public sealed class PollingOptions
{
    /// <summary>Used for a source that names no schedule.</summary>
    public string DefaultSchedule { get; set; } = "1h";

    /// <summary>The back-off after the first failure; doubled for each further consecutive failure.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The back-off never grows beyond this.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A whole poll (all requests and parsing) is abandoned after this.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary><c>PaperFeed:Ingest</c>: batching of the ingest consumer.</summary>
public sealed class IngestOptions
{
    public int BatchSize { get; set; } = 100;
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(200);
}

/// <summary><c>PaperFeed:Broker</c>: the RabbitMQ transport's self-repair.</summary>
public sealed class BrokerOptions
{
    /// <summary>
    /// The bus is restarted in place once publishing through it has been stuck this long while its endpoints are
    /// connected and the broker confirms publishes on a new connection (Messaging/PublishStallWatchdog).
    /// Zero turns that off.
    /// </summary>
    public TimeSpan PublishStallLimit { get; set; } = TimeSpan.FromSeconds(10);
}
