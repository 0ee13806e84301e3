using MongoDB.Bson;
using MongoDB.Driver;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// The MongoDB database PaperFeed keeps its state in: owns the client, and at start pings the server and creates
/// every index (idempotent, so every start and every test can call <see cref="InitializeAsync"/>; each store calls
/// it before its first operation, so the unique indexes the stores rely on exist before anything is written).
/// Writes are acknowledged by a majority of the replica set (<c>w: majority</c>, journaled) and retried once by the
/// driver on a transient error; reads go to the primary with read concern <c>local</c>, so that a worker sees its own
/// writes and the document that beat it to a unique key.
/// </summary>
public sealed class MongoDatabaseContext : IDisposable
{
    public const string PapersCollection = "papers";
    public const string SourceStateCollection = "source_state";
    public const string SubscriptionsCollection = "subscriptions";
    public const string SubscriptionDeletionsCollection = "subscription_deletions";
    public const string ServerSecretsCollection = "server_secrets";
    public const string DeliveriesCollection = "deliveries";
    public const string DigestItemsCollection = "digest_items";

    /// <summary>A write that a majority has not acknowledged by then fails (and is retried by its caller) instead of hanging.</summary>
    private static readonly TimeSpan MajorityTimeout = TimeSpan.FromSeconds(30);

    private readonly MongoClient _client;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;

    public MongoDatabaseContext(MongoStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        var clientSettings = MongoClientSettings.FromUrl(settings.Url);
        clientSettings.ServerSelectionTimeout = settings.ServerSelectionTimeout;
        clientSettings.WriteConcern = WriteConcern.WMajority.With(wTimeout: MajorityTimeout);
        clientSettings.ReadConcern = ReadConcern.Local;
        clientSettings.ReadPreference = ReadPreference.Primary;
        clientSettings.RetryWrites = true;
        clientSettings.RetryReads = true;
        clientSettings.ApplicationName ??= "paperfeed";
        _client = new MongoClient(clientSettings);

        Database = _client.GetDatabase(settings.DatabaseName);
        Papers = Database.GetCollection<PaperDocument>(PapersCollection);
        SourceStates = Database.GetCollection<SourceStateDocument>(SourceStateCollection);
        Subscriptions = Database.GetCollection<SubscriptionDocument>(SubscriptionsCollection);
        SubscriptionDeletions = Database.GetCollection<SubscriptionDeletionDocument>(SubscriptionDeletionsCollection);
        ServerSecrets = Database.GetCollection<ServerSecretDocument>(ServerSecretsCollection);
        Deliveries = Database.GetCollection<DeliveryDocument>(DeliveriesCollection);
        DigestItems = Database.GetCollection<DigestItemDocument>(DigestItemsCollection);
    }

    public MongoStoreSettings Settings { get; }

    public IMongoDatabase Database { get; }

    internal IMongoCollection<PaperDocument> Papers { get; }
    internal IMongoCollection<SourceStateDocument> SourceStates { get; }
    internal IMongoCollection<SubscriptionDocument> Subscriptions { get; }
    internal IMongoCollection<SubscriptionDeletionDocument> SubscriptionDeletions { get; }
    internal IMongoCollection<ServerSecretDocument> ServerSecrets { get; }
    internal IMongoCollection<DeliveryDocument> Deliveries { get; }
    internal IMongoCollection<DigestItemDocument> DigestItems { get; }

    /// <summary>
    /// Pings the server and creates the indexes; safe to call repeatedly (after the first success it returns at once).
    /// </summary>
    /// <exception cref="InvalidOperationException">The server cannot be reached or refuses the credentials (one line, no password).</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }

            await PingAsync(cancellationToken);
            await CreateIndexesAsync(cancellationToken);
            _initialized = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    private async Task PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or MongoConnectionException)
        {
            // Credentials the server refuses surface as an authentication error, possibly inside a connection error.
            throw new InvalidOperationException(
                AuthenticationError(ex) is { } refused ? Settings.CannotAuthenticate(refused.Message) : Settings.CannotReach(UnreachableReason(ex)),
                ex);
        }
    }

    private static MongoAuthenticationException? AuthenticationError(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is MongoAuthenticationException authentication)
            {
                return authentication;
            }
        }

        return null;
    }

    /// <summary>Why no server answered: the distinct last heartbeat errors of the servers, else the exception itself.</summary>
    private string UnreachableReason(Exception ex)
    {
        var heartbeats = _client.Cluster.Description.Servers
            .Select(s => s.HeartbeatException)
            .OfType<Exception>()
            .Select(e => Innermost(e).Message)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var waited = $"no server was selectable within {Settings.ServerSelectionTimeout.TotalSeconds:0.##} s";
        return ex is TimeoutException
            ? heartbeats.Count > 0 ? $"{waited} ({string.Join("; ", heartbeats)})" : waited
            : Innermost(ex).Message;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex;
    }

    private async Task CreateIndexesAsync(CancellationToken cancellationToken)
    {
        await Papers.Indexes.CreateManyAsync(PaperIndexes, cancellationToken);
        await Subscriptions.Indexes.CreateManyAsync(SubscriptionIndexes, cancellationToken);
        await SubscriptionDeletions.Indexes.CreateManyAsync(SubscriptionDeletionIndexes, cancellationToken);
        await Deliveries.Indexes.CreateManyAsync(DeliveryIndexes, cancellationToken);
        await DigestItems.Indexes.CreateManyAsync(DigestItemIndexes, cancellationToken);
        // source_state and server_secrets are read by _id only.
    }

    /// <summary>Unique identity keys; newest-first paging, also within one source; search words.</summary>
    internal static IReadOnlyList<CreateIndexModel<PaperDocument>> PaperIndexes { get; } =
    [
        new(Builders<PaperDocument>.IndexKeys.Ascending(p => p.Keys), new CreateIndexOptions { Name = "keys_unique", Unique = true }),
        new(Builders<PaperDocument>.IndexKeys.Descending(p => p.SortAt).Descending(p => p.Pk), new CreateIndexOptions { Name = "sortAt_id" }),
        new(
            Builders<PaperDocument>.IndexKeys.Ascending(PaperDocument.SightingSourceField).Descending(p => p.SortAt).Descending(p => p.Pk),
            new CreateIndexOptions { Name = "source_sortAt_id" }),
        new(Builders<PaperDocument>.IndexKeys.Ascending(p => p.Words), new CreateIndexOptions { Name = "words" }),
    ];

    internal static IReadOnlyList<CreateIndexModel<SubscriptionDocument>> SubscriptionIndexes { get; } =
    [
        new(Builders<SubscriptionDocument>.IndexKeys.Ascending(s => s.UpdatedAtUtc), new CreateIndexOptions { Name = "updatedAtUtc" }),
    ];

    internal static IReadOnlyList<CreateIndexModel<SubscriptionDeletionDocument>> SubscriptionDeletionIndexes { get; } =
    [
        new(Builders<SubscriptionDeletionDocument>.IndexKeys.Ascending(d => d.DeletedAt), new CreateIndexOptions { Name = "deletedAt" }),
    ];

    /// <summary>Unique id and key; a subscription's deliveries newest first; the retry job's due deliveries (finished ones left out).</summary>
    internal static IReadOnlyList<CreateIndexModel<DeliveryDocument>> DeliveryIndexes { get; } =
    [
        new(Builders<DeliveryDocument>.IndexKeys.Ascending(d => d.DeliveryId), new CreateIndexOptions { Name = "id_unique", Unique = true }),
        new(Builders<DeliveryDocument>.IndexKeys.Ascending(d => d.Key), new CreateIndexOptions { Name = "key_unique", Unique = true }),
        new(Builders<DeliveryDocument>.IndexKeys.Ascending(d => d.SubscriptionId).Descending(d => d.Pk), new CreateIndexOptions { Name = "subscriptionId_id" }),
        new(
            Builders<DeliveryDocument>.IndexKeys.Ascending(d => d.DueAt),
            new CreateIndexOptions<DeliveryDocument> { Name = "dueAt", PartialFilterExpression = Builders<DeliveryDocument>.Filter.Exists(d => d.DueAt) }),
    ];

    /// <summary>One item per subscription and paper; the items still waiting for a digest, by subscription and time.</summary>
    internal static IReadOnlyList<CreateIndexModel<DigestItemDocument>> DigestItemIndexes { get; } =
    [
        new(
            Builders<DigestItemDocument>.IndexKeys.Ascending(i => i.SubscriptionId).Ascending(i => i.PaperId),
            new CreateIndexOptions { Name = "subscriptionId_paperId_unique", Unique = true }),
        new(
            Builders<DigestItemDocument>.IndexKeys.Ascending(i => i.DeliveryId).Ascending(i => i.SubscriptionId).Ascending(i => i.MatchedAt),
            new CreateIndexOptions { Name = "waiting" }),
    ];

    public void Dispose()
    {
        _client.Dispose();
        _initLock.Dispose();
    }
}
