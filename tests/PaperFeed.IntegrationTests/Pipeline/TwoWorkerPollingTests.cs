using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Polling;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>Two workers on one store: a source is polled by one of them at a time (the lease in the source state).</summary>
public sealed class TwoWorkerPollingTests : WorkerTestBase
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    private static Task<PollReport> PollAsync(WorkerHost worker, string source, CancellationToken? cancellationToken = null) =>
        worker.Services.GetRequiredService<IServiceScopeFactory>().CreateScope().ServiceProvider
            .GetRequiredService<SourcePoller>().PollAsync(source, ignoreBackoff: true, cancellationToken ?? TestContext.Current.CancellationToken);

    [Fact]
    public async Task WhileOneWorkerPollsASourceTheOtherSkipsIt()
    {
        Server.Serve("/slow", TestFeeds.Rss(new TestFeeds.Item("a-1", "A paper")), delay: TimeSpan.FromSeconds(1));
        var settings = new Dictionary<string, string?> { ["PaperFeed:Http:Timeout"] = "00:00:10", ["PaperFeed:Http:Retries"] = "0" };
        await using var first = await StartWorkerAsync(settings, "/slow");
        await using var second = await StartWorkerAsync(settings, "/slow");

        var polling = PollAsync(first, "slow");
        await Eventually.ValueAsync(() => Task.FromResult(Server.Requests("/slow")), n => n == 1, "the first worker's request");
        var skipped = await PollAsync(second, "slow");
        var polled = await polling;

        Assert.Equal(PollStatus.Skipped, skipped.Status);
        Assert.Equal("another worker is polling this source", skipped.Message);
        Assert.Equal(PollStatus.Succeeded, polled.Status);
        Assert.Equal(1, Server.Requests("/slow"));

        // Released after the poll: the other worker may poll next.
        Assert.Equal(PollStatus.Succeeded, (await PollAsync(second, "slow")).Status);
        Assert.Equal(2, Server.Requests("/slow"));
    }

    [Fact]
    public async Task AWorkerThatStopsAnsweringLosesItsLeaseWhenItLapsesAndTheOtherTakesOver()
    {
        Server.Hang("/stuck");
        var settings = new Dictionary<string, string?>
        {
            ["PaperFeed:Http:Timeout"] = "00:05:00",
            ["PaperFeed:Http:Retries"] = "0",
            ["PaperFeed:Polling:PollTimeout"] = "00:05:00",
        };
        await using var holder = await StartWorkerAsync(settings, "/stuck");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var other = await StartWorkerAsync(settings, s => s.AddSingleton<TimeProvider>(clock), "/stuck");

        // The holder's poll hangs: as far as the store can tell, it might as well have died holding the lease.
        using var hung = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stuck = PollAsync(holder, "stuck", hung.Token);
        await Eventually.ValueAsync(() => Task.FromResult(Server.Requests("/stuck")), n => n == 1, "the holder's request");
        var skipped = await PollAsync(other, "stuck");

        clock.Advance(TimeSpan.FromMinutes(5) + SourcePoller.LeaseMargin + TimeSpan.FromSeconds(1));
        Server.Serve("/stuck", TestFeeds.Rss(new TestFeeds.Item("s-1", "Taken over")));
        var taken = await PollAsync(other, "stuck");

        Assert.Equal(PollStatus.Skipped, skipped.Status);
        Assert.Equal(PollStatus.Succeeded, taken.Status);
        Assert.Equal(1, taken.Papers);
        Assert.False(stuck.IsCompleted);
        await hung.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck);
    }

    [Fact]
    public async Task WorkersOnTheSameScheduleShareEachIntervalInsteadOfEachPolling()
    {
        Server.Serve("/ticking", TestFeeds.Rss(new TestFeeds.Item("t-1", "Ticking")));
        var settings = new Dictionary<string, string?> { ["PaperFeed:Sources:0:Schedule"] = "2s" };
        var workers = await Task.WhenAll(StartWorkerAsync(settings, "/ticking"), StartWorkerAsync(settings, "/ticking"));
        await using var first = workers[0];
        await using var second = workers[1];

        var starts = await Eventually.ValueAsync(
            () => Task.FromResult(Server.RequestStarts.Where(r => r.Path == "/ticking").Select(r => r.At).ToList()),
            s => s.Count >= 4,
            "four scheduled polls");

        // Each worker fires every 2 s; between them the source is still polled about once per 2 s, never twice in a row.
        var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, g => Assert.True(g >= TimeSpan.FromSeconds(0.9), $"polls {g.TotalMilliseconds:0} ms apart: {string.Join(", ", gaps.Select(x => x.TotalMilliseconds.ToString("0")))}"));
    }

    [Fact]
    public async Task TheRetryAndDigestJobsRunInOneWorkerAtATime()
    {
        await using var first = await StartWorkerAsync();
        await using var second = await StartWorkerAsync();
        var leaseOf = (WorkerHost w) => w.Services.CreateScope().ServiceProvider.GetRequiredService<JobLease>();
        var running = new TaskCompletionSource();
        var release = new TaskCompletionSource();

        // Job names of the test's own: the workers' real retry and digest jobs take their leases every JobInterval.
        var firstRun = leaseOf(first).RunAsync("test-a", async _ => { running.SetResult(); await release.Task; }, TestContext.Current.CancellationToken);
        await running.Task.WaitAsync(Eventually.Timeout, TestContext.Current.CancellationToken);
        var secondRan = false;
        var skipped = await leaseOf(second).RunAsync("test-a", _ => { secondRan = true; return Task.CompletedTask; }, TestContext.Current.CancellationToken);
        var otherJob = await leaseOf(second).RunAsync("test-b", _ => Task.CompletedTask, TestContext.Current.CancellationToken);
        release.SetResult();
        Assert.True(await firstRun);
        var after = await leaseOf(second).RunAsync("test-a", _ => { secondRan = true; return Task.CompletedTask; }, TestContext.Current.CancellationToken);

        Assert.False(skipped);
        Assert.True(otherJob);
        Assert.True(after);
        Assert.True(secondRan);
        Assert.DoesNotContain(await first.SourcesAsync(), s => s.Name.StartsWith('@'));
    }
}
