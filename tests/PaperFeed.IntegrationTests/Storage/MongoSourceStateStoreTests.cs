using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Storage.Mongo;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>The source state contract against MongoDB; every case is skipped, with the reason, when there is no server.</summary>
public sealed class MongoSourceStateStoreTests(MongoFixture mongo) : SourceStateStoreContract, IAsyncDisposable
{
    private MongoTestDatabase? _database;

    protected override async Task<ISourceStateStore> CreateStoreAsync()
    {
        _database = mongo.CreateDatabase(nameof(MongoSourceStateStoreTests));
        return new MongoSourceStateStore(await _database.OpenAsync());
    }

    protected override async Task<ISourceStateStore> ReopenStoreAsync()
    {
        mongo.SkipIfUnavailable();
        return new MongoSourceStateStore(await (_database ?? throw new InvalidOperationException("create a store first")).OpenAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
