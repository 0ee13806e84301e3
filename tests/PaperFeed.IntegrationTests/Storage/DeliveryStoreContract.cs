using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>What every <see cref="IDeliveryStore"/> adapter must do; a subclass per adapter supplies the store.</summary>
public abstract class DeliveryStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A store on fresh, empty storage owned by the calling test.</summary>
    protected abstract Task<IDeliveryStore> CreateStoreAsync();

    /// <summary>A new store instance on the storage of the last <see cref="CreateStoreAsync"/> (as after a restart).</summary>
    protected abstract Task<IDeliveryStore> ReopenStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static PaperSummary Summary(string title) => new(
        title, "An abstract.", ["Ada Lovelace"], ["cs.CL"], ["hf-daily"], 1, T0, new PaperLinks { Abstract = "https://arxiv.org/abs/2411.00001" },
        new PaperMetrics { Upvotes = 5 }, null, 1);

    private static Delivery Alert(string id, string subscription, string paper, DateTimeOffset? at = null) => new()
    {
        Id = id,
        Key = DeliveryKeys.Alert(subscription, paper, ChannelKind.Webhook),
        SubscriptionId = subscription,
        Kind = DeliveryKind.Alert,
        Event = "paper.added",
        Channel = ChannelKind.Webhook,
        Papers = [new DeliveryPaper(paper, Summary($"Paper {paper}"))],
        CreatedAt = at ?? T0,
        NextAttemptAt = (at ?? T0).AddMinutes(1),
    };

    [Fact]
    public async Task TheSameKeyIsStoredOnce()
    {
        var store = await CreateStoreAsync();

        var first = await store.TryEnqueueAsync(Alert("dlv_1", "sub_a", "arxiv:1"), Ct);
        var again = await store.TryEnqueueAsync(Alert("dlv_2", "sub_a", "arxiv:1"), Ct);
        var other = await store.TryEnqueueAsync(Alert("dlv_3", "sub_b", "arxiv:1"), Ct);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal("dlv_1", again.Delivery.Id);
        Assert.True(other.Created);
        Assert.Null(await store.GetAsync("dlv_2", Ct));
        var read = await (await ReopenStoreAsync()).GetAsync("dlv_1", Ct);
        Assert.Equal("Paper arxiv:1", read!.Papers.Single().Paper.Title);
        Assert.Equal(DeliveryState.Pending, read.State);
    }

    [Fact]
    public async Task ConcurrentEnqueuesOfOneKeyCreateOneDelivery()
    {
        var store = await CreateStoreAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.TryEnqueueAsync(Alert($"dlv_{i}", "sub_a", "arxiv:1"), Ct))));

        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Delivery.Id).Distinct());
    }

    [Fact]
    public async Task AClaimIsExclusiveUntilItLapses()
    {
        var store = await CreateStoreAsync();
        await store.TryEnqueueAsync(Alert("dlv_1", "sub_a", "arxiv:1"), Ct);

        var claimed = await store.TryClaimAsync("dlv_1", T0, T0.AddMinutes(2), Ct);
        var second = await store.TryClaimAsync("dlv_1", T0.AddMinutes(1), T0.AddMinutes(3), Ct);
        var afterLapse = await store.TryClaimAsync("dlv_1", T0.AddMinutes(2), T0.AddMinutes(4), Ct);

        Assert.Equal(DeliveryState.Sending, claimed!.State);
        Assert.Equal(1, claimed.Attempts);
        Assert.Null(second);
        Assert.Equal(2, afterLapse!.Attempts);
    }

    [Fact]
    public async Task ConcurrentClaimsLetOneWorkerSend()
    {
        var store = await CreateStoreAsync();
        await store.TryEnqueueAsync(Alert("dlv_1", "sub_a", "arxiv:1"), Ct);

        var claims = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => store.TryClaimAsync("dlv_1", T0, T0.AddMinutes(2), Ct))));

        Assert.Single(claims, c => c is not null);
    }

    [Fact]
    public async Task AFailedAttemptWaitsForItsNextAttempt()
    {
        var store = await CreateStoreAsync();
        await store.TryEnqueueAsync(Alert("dlv_1", "sub_a", "arxiv:1"), Ct);
        await store.TryClaimAsync("dlv_1", T0, T0.AddMinutes(2), Ct);

        var failed = await store.RecordAttemptAsync("dlv_1", new AttemptRecord(DeliveryState.Failed, T0, 503, "503 Service Unavailable", T0.AddMinutes(5)), Ct);

        Assert.Equal(DeliveryState.Failed, failed.State);
        Assert.Equal(503, failed.LastStatusCode);
        Assert.Null(await store.TryClaimAsync("dlv_1", T0.AddMinutes(4), T0.AddMinutes(6), Ct));
        Assert.DoesNotContain("dlv_1", await store.ListDueAsync(T0.AddMinutes(4), 10, Ct));
        Assert.Contains("dlv_1", await (await ReopenStoreAsync()).ListDueAsync(T0.AddMinutes(5), 10, Ct));
        Assert.Equal(2, (await store.TryClaimAsync("dlv_1", T0.AddMinutes(5), T0.AddMinutes(7), Ct))!.Attempts);
    }

    [Fact]
    public async Task DeliveredAndDeadAreFinal()
    {
        var store = await CreateStoreAsync();
        await store.TryEnqueueAsync(Alert("dlv_1", "sub_a", "arxiv:1"), Ct);
        await store.TryEnqueueAsync(Alert("dlv_2", "sub_a", "arxiv:2"), Ct);
        await store.TryClaimAsync("dlv_1", T0, T0.AddMinutes(2), Ct);
        await store.TryClaimAsync("dlv_2", T0, T0.AddMinutes(2), Ct);

        var delivered = await store.RecordAttemptAsync("dlv_1", new AttemptRecord(DeliveryState.Delivered, T0.AddSeconds(1), 200, null, null), Ct);
        await store.RecordAttemptAsync("dlv_2", new AttemptRecord(DeliveryState.Dead, T0.AddSeconds(1), 410, "410 Gone", null), Ct);

        Assert.Equal(T0.AddSeconds(1), delivered.DeliveredAt);
        Assert.Null(await store.TryClaimAsync("dlv_1", T0.AddDays(1), T0.AddDays(2), Ct));
        Assert.Null(await store.TryClaimAsync("dlv_2", T0.AddDays(1), T0.AddDays(2), Ct));
        Assert.Empty(await store.ListDueAsync(T0.AddDays(10), 10, Ct));
        var counts = await store.CountByStateAsync(Ct);
        Assert.Equal(1, counts[DeliveryState.Delivered]);
        Assert.Equal(1, counts[DeliveryState.Dead]);
        Assert.Equal(0, counts[DeliveryState.Pending]);
    }

    [Fact]
    public async Task ReplayMakesADeadDeliveryPendingUnderTheSameId()
    {
        var store = await CreateStoreAsync();
        await store.TryEnqueueAsync(Alert("dlv_1", "sub_a", "arxiv:1"), Ct);
        await store.TryClaimAsync("dlv_1", T0, T0.AddMinutes(2), Ct);
        await store.RecordAttemptAsync("dlv_1", new AttemptRecord(DeliveryState.Dead, T0, 500, "gave up", null), Ct);

        var replayed = await store.ReplayAsync("dlv_1", T0.AddHours(1), Ct);

        Assert.Equal(DeliveryState.Pending, replayed!.State);
        Assert.Equal(0, replayed.Attempts);
        Assert.Equal("dlv_1", (await store.TryClaimAsync("dlv_1", T0.AddHours(1), T0.AddHours(2), Ct))!.Id);
        Assert.Null(await store.ReplayAsync("dlv_1", T0.AddHours(1), Ct));
        Assert.Null(await store.ReplayAsync("dlv_missing", T0, Ct));
    }

    [Fact]
    public async Task APendingDeliveryNobodySentBecomesDue()
    {
        var store = await CreateStoreAsync();
        await store.TryEnqueueAsync(Alert("dlv_1", "sub_a", "arxiv:1"), Ct);

        Assert.Empty(await store.ListDueAsync(T0.AddSeconds(59), 10, Ct));
        Assert.Equal(["dlv_1"], await store.ListDueAsync(T0.AddMinutes(1), 10, Ct));
    }

    [Fact]
    public async Task ALapsedClaimBecomesDue()
    {
        var store = await CreateStoreAsync();
        await store.TryEnqueueAsync(Alert("dlv_1", "sub_a", "arxiv:1"), Ct);
        await store.TryClaimAsync("dlv_1", T0, T0.AddMinutes(2), Ct);

        Assert.Empty(await store.ListDueAsync(T0.AddMinutes(1), 10, Ct));
        Assert.Equal(["dlv_1"], await store.ListDueAsync(T0.AddMinutes(2), 10, Ct));
    }

    [Fact]
    public async Task DeliveriesOfASubscriptionPageNewestFirst()
    {
        var store = await CreateStoreAsync();
        for (var i = 1; i <= 5; i++)
        {
            await store.TryEnqueueAsync(Alert($"dlv_{i}", "sub_a", $"arxiv:{i}", T0.AddMinutes(i)), Ct);
        }

        await store.TryEnqueueAsync(Alert("dlv_x", "sub_b", "arxiv:1"), Ct);

        var first = await store.ListBySubscriptionAsync("sub_a", 3, null, Ct);
        var second = await store.ListBySubscriptionAsync("sub_a", 3, first[^1].Id, Ct);

        Assert.Equal(["dlv_5", "dlv_4", "dlv_3"], first.Select(d => d.Id));
        Assert.Equal(["dlv_2", "dlv_1"], second.Select(d => d.Id));
    }

    [Fact]
    public async Task DigestItemsWaitUntilAssigned()
    {
        var store = await CreateStoreAsync();
        await store.AddDigestItemAsync(new DigestItem("sub_a", "arxiv:1", T0, Summary("One")), Ct);
        await store.AddDigestItemAsync(new DigestItem("sub_a", "arxiv:1", T0.AddMinutes(5), Summary("One again")), Ct);
        await store.AddDigestItemAsync(new DigestItem("sub_a", "arxiv:2", T0.AddHours(2), Summary("Two")), Ct);
        await store.AddDigestItemAsync(new DigestItem("sub_b", "arxiv:1", T0, Summary("One")), Ct);

        Assert.Equal(["sub_a", "sub_b"], await store.ListSubscriptionsWithDigestItemsAsync(Ct));
        var beforeTwo = await store.ListDigestItemsAsync("sub_a", T0.AddHours(1), Ct);
        Assert.Equal("One", Assert.Single(beforeTwo).Paper.Title);

        await store.AssignDigestItemsAsync("sub_a", ["arxiv:1"], "dlv_d1", Ct);
        await store.AssignDigestItemsAsync("sub_a", ["arxiv:1"], "dlv_d2", Ct);

        var reopened = await ReopenStoreAsync();
        Assert.Equal(["arxiv:2"], (await reopened.ListDigestItemsAsync("sub_a", T0.AddDays(1), Ct)).Select(i => i.PaperId));
        await reopened.AssignDigestItemsAsync("sub_a", ["arxiv:2"], "dlv_d3", Ct);
        await reopened.AssignDigestItemsAsync("sub_b", ["arxiv:1"], "dlv_d4", Ct);
        Assert.Empty(await reopened.ListSubscriptionsWithDigestItemsAsync(Ct));
    }
}
