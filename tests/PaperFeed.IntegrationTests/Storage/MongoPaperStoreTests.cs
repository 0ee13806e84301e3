using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Bson;
using MongoDB.Driver;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Storage;
using PaperFeed.Worker.Storage.Mongo;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>The paper store contract against MongoDB, and what only MongoDB has (several workers, indexes, start-up).</summary>
public sealed class MongoPaperStoreTests(MongoFixture mongo) : PaperStoreContract, IAsyncDisposable
{
    private MongoTestDatabase? _database;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override async Task<IPaperStore> CreateStoreAsync()
    {
        _database = mongo.CreateDatabase(nameof(MongoPaperStoreTests));
        return new MongoPaperStore(await _database.OpenAsync(), TimeProvider.System);
    }

    protected override async Task<IPaperStore> ReopenStoreAsync()
    {
        mongo.SkipIfUnavailable();
        return new MongoPaperStore(await (_database ?? throw new InvalidOperationException("create a store first")).OpenAsync(), TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task WorkersWithClientsOfTheirOwnStoreEachPaperOnce()
    {
        // Three workers (three clients) ingest overlapping batches at once: duplicate keys and moved versions are
        // conflicts that must become outcomes, with exactly one Added per paper and no paper stored twice.
        var workers = new List<IPaperStore> { await CreateStoreAsync(), await ReopenStoreAsync(), await ReopenStoreAsync() };
        var batch = Enumerable.Range(0, 30).Select(i => Arxiv($"2504.{i:D5}", source: $"s{i % 3}")).ToList();

        var all = await Task.WhenAll(Enumerable.Range(0, 6).Select(n => Task.Run(
            () => workers[n % 3].UpsertAsync(n % 2 == 0 ? batch : [.. Enumerable.Reverse(batch)], Ct), Ct)));

        var outcomes = all.SelectMany(r => r).ToList();
        Assert.Equal(180, outcomes.Count);
        Assert.Equal(30, outcomes.Count(r => r.Outcome == UpsertOutcome.Added));
        Assert.Equal(150, outcomes.Count(r => r.Outcome == UpsertOutcome.Unchanged));
        var stored = await workers[0].ListAsync(new PaperQuery(Limit: 200), Ct);
        Assert.Equal(30, stored.Items.Count);
        Assert.All(stored.Items, p => Assert.Single(p.Sightings));
    }

    [Fact]
    public async Task AnAnnouncementMarkedWhileAnotherWorkerIngestsIsNotLost()
    {
        var first = await CreateStoreAsync();
        var second = await ReopenStoreAsync();
        var added = await first.UpsertAsync([Arxiv("2504.00100")], Ct);

        await Task.WhenAll(
            Task.Run(() => second.MarkAnnouncedAsync([(added[0].Paper.Id, 1)], Ct), Ct),
            Task.Run(() => first.UpsertAsync([Arxiv("2504.00100", source: "other")], Ct), Ct));

        var stored = await second.FindAsync("arxiv:2504.00100", Ct);
        Assert.Equal(1, stored!.AnnouncedRevision);
        Assert.Equal(2, stored.Sightings.Count);
    }

    [Fact]
    public async Task TheIndexesExistAndAKeyBelongsToOnePaperOnly()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([Arxiv("2504.00200")], Ct);
        var context = await _database!.OpenAsync();

        var names = await IndexNamesAsync(context.Database, MongoDatabaseContext.PapersCollection);
        var copy = await context.Database.GetCollection<BsonDocument>(MongoDatabaseContext.PapersCollection)
            .Find(FilterDefinition<BsonDocument>.Empty).FirstAsync(Ct);
        copy["_id"] = ObjectId.GenerateNewId();
        var duplicate = await Assert.ThrowsAsync<MongoWriteException>(
            () => context.Database.GetCollection<BsonDocument>(MongoDatabaseContext.PapersCollection).InsertOneAsync(copy, cancellationToken: Ct));

        Assert.Equal(["_id_", "keys_unique", "sortAt_id", "source_sortAt_id", "words"], names.Order(StringComparer.Ordinal));
        Assert.Equal(ServerErrorCategory.DuplicateKey, duplicate.WriteError.Category);
        Assert.Equal(["_id_", "dueAt", "id_unique", "key_unique", "subscriptionId_id"], (await IndexNamesAsync(context.Database, MongoDatabaseContext.DeliveriesCollection)).Order(StringComparer.Ordinal));
        Assert.Equal(["_id_", "subscriptionId_paperId_unique", "waiting"], (await IndexNamesAsync(context.Database, MongoDatabaseContext.DigestItemsCollection)).Order(StringComparer.Ordinal));
        Assert.Equal(["_id_", "updatedAtUtc"], (await IndexNamesAsync(context.Database, MongoDatabaseContext.SubscriptionsCollection)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StoreMongoRegistersTheStoresAndCreatesTheIndexesAtStart()
    {
        // The database comes from the connection string's path, as in production.
        await using var test = mongo.CreateDatabase("host");
        var url = new MongoUrlBuilder(mongo.ConnectionString) { DatabaseName = test.Settings.DatabaseName };
        if (url.Username is not null && url.AuthenticationSource is null)
        {
            url.AuthenticationSource = "admin"; // the path would otherwise become the authentication database
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaperFeed:Store"] = "Mongo",
            ["ConnectionStrings:Mongo"] = url.ToString(),
        });
        builder.Services.AddPaperFeedStorage(builder.Configuration);
        using var host = builder.Build();

        await host.StartAsync(Ct);
        var context = host.Services.GetRequiredService<MongoDatabaseContext>();
        var indexes = await IndexNamesAsync(context.Database, MongoDatabaseContext.PapersCollection);
        var papers = host.Services.GetRequiredService<IPaperStore>();
        var added = await papers.UpsertAsync([Arxiv("2504.00300")], Ct);
        var states = host.Services.GetRequiredService<ISourceStateStore>();
        await states.RecordFailureAsync("x", "x: HTTP 500", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Ct);
        var failures = (await states.GetAsync("x", Ct)).ConsecutiveErrors;
        await host.StopAsync(Ct);
        await context.Database.Client.DropDatabaseAsync(test.Settings.DatabaseName, Ct);

        Assert.Equal(test.Settings.DatabaseName, context.Settings.DatabaseName);
        Assert.Contains("keys_unique", indexes);
        Assert.IsType<MongoPaperStore>(papers);
        Assert.Same(papers, host.Services.GetRequiredService<IPaperStore>());
        Assert.IsType<MongoSourceStateStore>(states);
        Assert.Equal(UpsertOutcome.Added, added[0].Outcome);
        Assert.Equal(1, failures);
    }

    private static async Task<List<string>> IndexNamesAsync(IMongoDatabase database, string collection)
    {
        using var cursor = await database.GetCollection<BsonDocument>(collection).Indexes.ListAsync(Ct);
        return (await cursor.ToListAsync(Ct)).Select(i => i["name"].AsString).ToList();
    }
}
