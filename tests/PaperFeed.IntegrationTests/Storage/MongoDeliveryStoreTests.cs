using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Storage.Mongo;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>The delivery store contract against MongoDB; every case is skipped, with the reason, when there is no server.</summary>
public sealed class MongoDeliveryStoreTests(MongoFixture mongo) : DeliveryStoreContract, IAsyncDisposable
{
    private MongoTestDatabase? _database;

    protected override async Task<IDeliveryStore> CreateStoreAsync()
    {
        _database = mongo.CreateDatabase(nameof(MongoDeliveryStoreTests));
        return new MongoDeliveryStore(await _database.OpenAsync());
    }

    protected override async Task<IDeliveryStore> ReopenStoreAsync()
    {
        mongo.SkipIfUnavailable();
        return new MongoDeliveryStore(await (_database ?? throw new InvalidOperationException("create a store first")).OpenAsync());
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoWorkersClaimingOneDeliveryLetOneSend()
    {
        var first = (MongoDeliveryStore)await CreateStoreAsync();
        var second = (MongoDeliveryStore)await ReopenStoreAsync();
        var at = new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
        await first.TryEnqueueAsync(
            new Delivery { Id = "dlv_1", Key = "sub_a|confirm", SubscriptionId = "sub_a", Kind = DeliveryKind.Confirmation, Event = "subscription.confirm", Channel = ChannelKind.Email, CreatedAt = at },
            Ct);

        var claims = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => (i % 2 == 0 ? first : second).TryClaimAsync("dlv_1", at, at.AddMinutes(2), Ct))));

        var claimed = Assert.Single(claims, c => c is not null);
        Assert.Equal(1, claimed!.Attempts);
        Assert.Equal(DeliveryState.Sending, (await second.GetAsync("dlv_1", Ct))!.State);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
