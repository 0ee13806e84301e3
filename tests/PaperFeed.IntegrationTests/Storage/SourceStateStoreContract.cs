using PaperFeed.Worker.Polling;
using Xunit;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>What every <see cref="ISourceStateStore"/> adapter must do; a subclass per adapter supplies the store.</summary>
public abstract class SourceStateStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 6, 0, 0, TimeSpan.Zero);

    /// <summary>A store on fresh, empty storage owned by the calling test.</summary>
    protected abstract Task<ISourceStateStore> CreateStoreAsync();

    /// <summary>A new store instance on the storage of the last <see cref="CreateStoreAsync"/> (as after a restart).</summary>
    protected abstract Task<ISourceStateStore> ReopenStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, HttpValidators> Validators(string url, string etag, string lastModified) =>
        new() { [url] = new HttpValidators(etag, lastModified) };

    [Fact]
    public async Task AnUnknownSourceHasAFreshState()
    {
        var store = await CreateStoreAsync();

        var state = await store.GetAsync("never-polled", Ct);

        Assert.Equal("never-polled", state.Name);
        Assert.Null(state.Checkpoint);
        Assert.Empty(state.Validators);
        Assert.Equal(0, state.ConsecutiveErrors);
        Assert.Null(state.LastError);
        Assert.Null(state.LastSuccessAt);
        Assert.Null(state.BackoffUntil);
        Assert.Empty(await store.ListAsync(Ct));
    }

    [Fact]
    public async Task ASuccessSavesCheckpointValidatorsAndCount()
    {
        var store = await CreateStoreAsync();

        await store.RecordSuccessAsync("arxiv-cs", "2026-04-01", Validators("https://rss.arxiv.org/rss/cs", "\"abc\"", "Wed, 01 Apr 2026 06:00:00 GMT"), 42, T0, Ct);

        var state = await store.GetAsync("arxiv-cs", Ct);
        Assert.Equal("2026-04-01", state.Checkpoint);
        var validators = Assert.Single(state.Validators);
        Assert.Equal("https://rss.arxiv.org/rss/cs", validators.Key);
        Assert.Equal(new HttpValidators("\"abc\"", "Wed, 01 Apr 2026 06:00:00 GMT"), validators.Value);
        Assert.Equal(42, state.LastPaperCount);
        Assert.Equal(T0, state.LastSuccessAt);
        Assert.Equal(0, state.ConsecutiveErrors);
    }

    [Fact]
    public async Task AFailureCountsAndBacksOffButKeepsCheckpointAndValidators()
    {
        var store = await CreateStoreAsync();
        await store.RecordSuccessAsync("hf", "cp-1", Validators("https://hf.example/api", "e1", "lm1"), 3, T0, Ct);

        await store.RecordFailureAsync("hf", "hf: HTTP 503", T0.AddMinutes(10), T0.AddMinutes(20), Ct);
        await store.RecordFailureAsync("hf", "hf: timed out after 30 s", T0.AddMinutes(30), T0.AddMinutes(50), Ct);

        var state = await store.GetAsync("hf", Ct);
        Assert.Equal(2, state.ConsecutiveErrors);
        Assert.Equal("hf: timed out after 30 s", state.LastError);
        Assert.Equal(T0.AddMinutes(30), state.LastErrorAt);
        Assert.Equal(T0.AddMinutes(50), state.BackoffUntil);
        Assert.Equal("cp-1", state.Checkpoint);
        Assert.Equal("e1", state.Validators["https://hf.example/api"].ETag);
        Assert.Equal(T0, state.LastSuccessAt);
        Assert.Equal(3, state.LastPaperCount);
    }

    [Fact]
    public async Task AFailureOfAnUnknownSourceStartsItsState()
    {
        var store = await CreateStoreAsync();

        await store.RecordFailureAsync("new", "new: DNS failure", T0, T0.AddMinutes(5), Ct);

        var state = await store.GetAsync("new", Ct);
        Assert.Equal(1, state.ConsecutiveErrors);
        Assert.Null(state.Checkpoint);
        Assert.Null(state.LastSuccessAt);
    }

    [Fact]
    public async Task ASuccessAfterFailuresClearsTheErrorCountAndBackoff()
    {
        var store = await CreateStoreAsync();
        await store.RecordFailureAsync("s2", "s2: HTTP 429", T0, T0.AddMinutes(5), Ct);
        await store.RecordFailureAsync("s2", "s2: HTTP 429", T0.AddMinutes(5), T0.AddMinutes(15), Ct);

        await store.RecordSuccessAsync("s2", "cp-2", Validators("https://s2.example", "e2", "lm2"), 7, T0.AddMinutes(20), Ct);

        var state = await store.GetAsync("s2", Ct);
        Assert.Equal(0, state.ConsecutiveErrors);
        Assert.Null(state.BackoffUntil);
        Assert.Equal("cp-2", state.Checkpoint);
        Assert.Equal(T0.AddMinutes(20), state.LastSuccessAt);
        Assert.Equal(7, state.LastPaperCount);
    }

    [Fact]
    public async Task ASuccessReplacesTheValidators()
    {
        var store = await CreateStoreAsync();
        await store.RecordSuccessAsync("feed", "a", Validators("https://old.example/feed", "e-old", "lm-old"), 1, T0, Ct);

        await store.RecordSuccessAsync("feed", "b", Validators("https://new.example/feed", "e-new", "lm-new"), 1, T0.AddHours(1), Ct);

        var state = await store.GetAsync("feed", Ct);
        Assert.Equal(["https://new.example/feed"], state.Validators.Keys);
        Assert.Equal("b", state.Checkpoint);
    }

    [Fact]
    public async Task ListReturnsEverySourceWithState()
    {
        var store = await CreateStoreAsync();
        await store.RecordSuccessAsync("b-source", "cp-b", new Dictionary<string, HttpValidators>(), 1, T0, Ct);
        await store.RecordFailureAsync("a-source", "a: HTTP 500", T0, T0.AddMinutes(1), Ct);
        await store.RecordSuccessAsync("b-source", "cp-b2", new Dictionary<string, HttpValidators>(), 2, T0.AddHours(1), Ct);

        var states = await store.ListAsync(Ct);

        Assert.Equal(["a-source", "b-source"], states.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1, states.Single(s => s.Name == "a-source").ConsecutiveErrors);
        Assert.Equal("cp-b2", states.Single(s => s.Name == "b-source").Checkpoint);
    }

    [Fact]
    public async Task StateSurvivesReopening()
    {
        var store = await CreateStoreAsync();
        await store.RecordSuccessAsync("arxiv-cs", "cp", Validators("https://rss.arxiv.org/rss/cs", "e", "lm"), 5, T0, Ct);
        await store.RecordFailureAsync("arxiv-cs", "arxiv: HTTP 503", T0.AddHours(1), T0.AddHours(2), Ct);

        var reopened = await ReopenStoreAsync();
        var state = await reopened.GetAsync("arxiv-cs", Ct);

        Assert.Equal("cp", state.Checkpoint);
        Assert.Equal(1, state.ConsecutiveErrors);
        Assert.Equal(T0.AddHours(2), state.BackoffUntil);
        Assert.Equal("lm", state.Validators["https://rss.arxiv.org/rss/cs"].LastModified);
    }

    [Fact]
    public async Task ALeaseIsExclusiveUntilItLapsesOrIsReleased()
    {
        var store = await CreateStoreAsync();

        Assert.True(await store.TryAcquireLeaseAsync("arxiv", "worker-a", T0, T0.AddMinutes(5), Ct));
        Assert.False(await store.TryAcquireLeaseAsync("arxiv", "worker-b", T0.AddMinutes(1), T0.AddMinutes(6), Ct));
        Assert.True(await store.TryAcquireLeaseAsync("other", "worker-b", T0.AddMinutes(1), T0.AddMinutes(6), Ct));
        Assert.True(await store.TryAcquireLeaseAsync("arxiv", "worker-a", T0.AddMinutes(2), T0.AddMinutes(7), Ct)); // renewal

        var state = await (await ReopenStoreAsync()).GetAsync("arxiv", Ct);
        Assert.Equal("worker-a", state.LeaseOwner);
        Assert.Equal(T0.AddMinutes(7), state.LeaseUntil);

        await store.ReleaseLeaseAsync("arxiv", "worker-b", Ct); // not the holder: nothing happens
        Assert.False(await store.TryAcquireLeaseAsync("arxiv", "worker-b", T0.AddMinutes(3), T0.AddMinutes(8), Ct));
        await store.ReleaseLeaseAsync("arxiv", "worker-a", Ct);
        Assert.True(await store.TryAcquireLeaseAsync("arxiv", "worker-b", T0.AddMinutes(3), T0.AddMinutes(8), Ct));
    }

    [Fact]
    public async Task ALapsedLeaseGoesToTheNextWorkerAndKeepsTheRestOfTheState()
    {
        var store = await CreateStoreAsync();
        await store.RecordSuccessAsync("arxiv", "cp-1", Validators("https://example.org/feed", "\"e1\"", "Mon, 01 Jan 2024 00:00:00 GMT"), 3, T0, Ct);
        Assert.True(await store.TryAcquireLeaseAsync("arxiv", "worker-a", T0, T0.AddMinutes(5), Ct));

        // worker-a died mid-poll: its lease lapses at T0+5 min.
        Assert.False(await store.TryAcquireLeaseAsync("arxiv", "worker-b", T0.AddMinutes(4), T0.AddMinutes(9), Ct));
        Assert.True(await store.TryAcquireLeaseAsync("arxiv", "worker-b", T0.AddMinutes(5), T0.AddMinutes(10), Ct));

        var state = await store.GetAsync("arxiv", Ct);
        Assert.Equal("worker-b", state.LeaseOwner);
        Assert.Equal("cp-1", state.Checkpoint);
        Assert.Equal(3, state.LastPaperCount);
    }

    [Fact]
    public async Task ConcurrentWorkersGetOneLease()
    {
        var store = await CreateStoreAsync();

        var taken = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => store.TryAcquireLeaseAsync("arxiv", $"worker-{i}", T0, T0.AddMinutes(5), Ct))));

        Assert.Single(taken, t => t);
    }
}
