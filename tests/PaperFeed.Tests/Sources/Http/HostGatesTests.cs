using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Sources.Http;

namespace PaperFeed.Tests.Sources.Http;

public sealed class HostGatesTests
{
    private static HostGates Defaults() => new(new SourceHttpOptions(), TimeProvider.System);

    [Theory]
    [InlineData("arxiv.org")]
    [InlineData("export.arxiv.org")]
    [InlineData("rss.arxiv.org")]
    [InlineData("EXPORT.ArXiv.org")]
    public void EveryArxivHostSharesTheArxivGate(string host)
    {
        using var gates = Defaults();

        var gate = gates.For(host);

        Assert.NotNull(gate);
        Assert.Same(gates.For("arxiv.org"), gate);
    }

    [Theory]
    [InlineData("notarxiv.org")]
    [InlineData("arxiv.org.example.com")]
    [InlineData("example.org")]
    [InlineData("localhost")]
    public void OtherHostsHaveNoGate(string host)
    {
        using var gates = Defaults();

        Assert.Null(gates.For(host));
    }

    [Fact]
    public void ArxivDefaultIsOneRequestEveryThreeSecondsOverOneConnection()
    {
        var arxiv = HostPolicy.Defaults()["arxiv.org"];

        Assert.Equal(TimeSpan.FromSeconds(3), arxiv.MinInterval);
        Assert.Equal(1, arxiv.MaxConcurrency);
    }

    [Fact]
    public void HuggingFaceDefaultIsItsPublishedBudget()
    {
        var hub = HostPolicy.Defaults()["huggingface.co"];

        Assert.Equal(500, hub.RequestsPerWindow);
        Assert.Equal(TimeSpan.FromMinutes(5), hub.Window);
    }

    [Fact]
    public async Task GateSpacesStartsByTheMinimumInterval()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var gate = new HostGate("arxiv.org", new HostPolicy { MinInterval = TimeSpan.FromSeconds(3), MaxConcurrency = 1 }, clock);

        using (await gate.EnterAsync(TestContext.Current.CancellationToken))
        {
        }

        var second = gate.EnterAsync(TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted, "the second request must wait for the spacing");
        clock.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(second.IsCompleted, "2.9 s is not yet 3 s");
        clock.Advance(TimeSpan.FromSeconds(0.1));
        (await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Dispose();
    }

    [Fact]
    public async Task DeferralHoldsTheNextRequestUntilTheGivenTime()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(start);
        using var gate = new HostGate("example", new HostPolicy { MaxConcurrency = 2 }, clock);

        gate.Defer(start.AddSeconds(30));
        var entering = gate.EnterAsync(TestContext.Current.CancellationToken);

        Assert.False(entering.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(30));
        (await entering.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Dispose();
    }

    /// <summary>A clock that moves only when told to, firing due timers.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private readonly List<(DateTimeOffset Due, TimerCallback Callback, object? State)> _timers = [];
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by)
        {
            _now += by;
            List<(DateTimeOffset Due, TimerCallback Callback, object? State)> due;
            lock (_timers)
            {
                due = _timers.Where(t => t.Due <= _now).ToList();
                _timers.RemoveAll(t => t.Due <= _now);
            }

            foreach (var timer in due)
            {
                timer.Callback(timer.State);
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_timers)
            {
                _timers.Add((_now + dueTime, callback, state));
            }

            return new NoopTimer();
        }

        private sealed class NoopTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
