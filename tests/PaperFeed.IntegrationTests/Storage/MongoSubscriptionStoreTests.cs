using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Storage.Mongo;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>The subscription store contract against MongoDB; every case is skipped, with the reason, when there is no server.</summary>
public sealed class MongoSubscriptionStoreTests(MongoFixture mongo) : SubscriptionStoreContract, IAsyncDisposable
{
    private MongoTestDatabase? _database;

    protected override async Task<ISubscriptionStore> CreateStoreAsync()
    {
        _database = mongo.CreateDatabase(nameof(MongoSubscriptionStoreTests));
        return new MongoSubscriptionStore(await _database.OpenAsync());
    }

    protected override async Task<ISubscriptionStore> ReopenStoreAsync()
    {
        mongo.SkipIfUnavailable();
        return new MongoSubscriptionStore(await (_database ?? throw new InvalidOperationException("create a store first")).OpenAsync());
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoWorkersCreatingOneSecretAgreeOnTheFirst()
    {
        var first = await CreateStoreAsync();
        var second = await ReopenStoreAsync();

        var secrets = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(
            () => (i % 2 == 0 ? first : second).GetOrCreateSecretAsync("token-key", () => $"secret-{i}", Ct))));

        Assert.Single(secrets.Distinct());
        Assert.Equal(secrets[0], await (await ReopenStoreAsync()).GetOrCreateSecretAsync("token-key", () => "late", Ct));
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
