using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>What every <see cref="ISubscriptionStore"/> adapter must do; a subclass per adapter supplies the store.</summary>
public abstract class SubscriptionStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A store on fresh, empty storage owned by the calling test.</summary>
    protected abstract Task<ISubscriptionStore> CreateStoreAsync();

    /// <summary>A new store instance on the storage of the last <see cref="CreateStoreAsync"/> (as after a restart).</summary>
    protected abstract Task<ISubscriptionStore> ReopenStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static Subscription Webhook(string id, DateTimeOffset at, params string[] keywords) => new()
    {
        Id = id,
        Name = $"about {string.Join(", ", keywords)}",
        Channel = new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = "https://hooks.example.org/in", Format = WebhookFormat.Slack, Secret = "whsec_c2VjcmV0" },
        Filter = new SubscriptionFilter { Keywords = keywords, Categories = ["cs.CL"], MinUpvotes = 3, HasCode = true },
        Schedule = new DeliverySchedule { Mode = DeliveryMode.Weekly, SendAt = new TimeOnly(7, 30), TimeZone = "Europe/Berlin", Day = DayOfWeek.Friday },
        NotifyRevisions = true,
        CreatedAt = at,
        UpdatedAt = at,
    };

    [Fact]
    public async Task AStoredSubscriptionReadsBackWhole()
    {
        var store = await CreateStoreAsync();
        var subscription = Webhook("sub_a", T0, "diffusion", "\"state space model\"");

        await store.AddAsync(subscription, Ct);
        var read = await (await ReopenStoreAsync()).GetAsync("sub_a", Ct);

        Assert.NotNull(read);
        Assert.Equal(subscription.Channel, read.Channel);
        Assert.Equal(subscription.Schedule, read.Schedule);
        Assert.Equal(subscription.Filter.Keywords, read.Filter.Keywords);
        Assert.Equal(subscription.Filter.Categories, read.Filter.Categories);
        Assert.Equal(3, read.Filter.MinUpvotes);
        Assert.True(read.Filter.HasCode);
        Assert.True(read.NotifyRevisions);
        Assert.Equal(SubscriptionStatus.Active, read.Status);
        Assert.Equal(T0, read.CreatedAt);
    }

    [Fact]
    public async Task AnUnknownIdIsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.GetAsync("sub_missing", Ct));
        Assert.Null(await store.UpdateAsync("sub_missing", s => s, Ct));
        Assert.False(await store.DeleteAsync("sub_missing", T0, Ct));
    }

    [Fact]
    public async Task AddingAnExistingIdFails()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(Webhook("sub_a", T0, "x"), Ct);

        await Assert.ThrowsAnyAsync<Exception>(() => store.AddAsync(Webhook("sub_a", T0, "y"), Ct));
        Assert.Equal(["x"], (await store.GetAsync("sub_a", Ct))!.Filter.Keywords);
    }

    [Fact]
    public async Task UpdateAppliesTheChangeAndKeepsTheId()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(Webhook("sub_a", T0, "x"), Ct);

        var updated = await store.UpdateAsync("sub_a", s => s with { Id = "sub_other", Status = SubscriptionStatus.Paused, PausedReason = "410 Gone", UpdatedAt = T0.AddHours(1) }, Ct);

        Assert.Equal("sub_a", updated!.Id);
        var read = await (await ReopenStoreAsync()).GetAsync("sub_a", Ct);
        Assert.Equal(SubscriptionStatus.Paused, read!.Status);
        Assert.Equal("410 Gone", read.PausedReason);
        Assert.Null(await store.GetAsync("sub_other", Ct));
    }

    [Fact]
    public async Task ListReturnsAllInIdOrder()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(Webhook("sub_b", T0, "b"), Ct);
        await store.AddAsync(Webhook("sub_a", T0, "a"), Ct);
        await store.AddAsync(Webhook("sub_c", T0, "c") with { Status = SubscriptionStatus.Paused }, Ct);

        var all = await store.ListAsync(Ct);

        Assert.Equal(["sub_a", "sub_b", "sub_c"], all.Select(s => s.Id));
    }

    [Fact]
    public async Task ChangesSinceIncludeUpdatesAndDeletionsOnly()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(Webhook("sub_old", T0, "a"), Ct);
        await store.AddAsync(Webhook("sub_gone", T0, "b"), Ct);
        await store.AddAsync(Webhook("sub_new", T0.AddMinutes(10), "c"), Ct);
        await store.UpdateAsync("sub_old", s => s with { UpdatedAt = T0.AddMinutes(20) }, Ct);
        Assert.True(await store.DeleteAsync("sub_gone", T0.AddMinutes(30), Ct));

        var changes = await store.ListChangedSinceAsync(T0.AddMinutes(5), Ct);

        Assert.Equal(["sub_new", "sub_old"], changes.Changed.Select(s => s.Id));
        Assert.Equal(["sub_gone"], changes.Deleted);
        Assert.Null(await store.GetAsync("sub_gone", Ct));
        Assert.Empty((await store.ListChangedSinceAsync(T0.AddMinutes(31), Ct)).Deleted);
    }

    [Fact]
    public async Task ASecretIsCreatedOnceAndSurvivesAReopen()
    {
        var store = await CreateStoreAsync();

        var first = await store.GetOrCreateSecretAsync("token-key", () => "first", Ct);
        var second = await (await ReopenStoreAsync()).GetOrCreateSecretAsync("token-key", () => "second", Ct);

        Assert.Equal("first", first);
        Assert.Equal("first", second);
        Assert.Equal("other", await store.GetOrCreateSecretAsync("other-key", () => "other", Ct));
    }
}
