using Microsoft.Extensions.DependencyInjection;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Polling;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>Two workers on one store: a source is polled by one of them at a time (the lease in the source state).</summary>
public sealed class TwoWorkerPollingTests : WorkerTestBase
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    private static Task<PollReport> PollAsync(WorkerHost worker, string source) =>
        worker.Services.GetRequiredService<IServiceScopeFactory>().CreateScope().ServiceProvider
            .GetRequiredService<SourcePoller>().PollAsync(source, ignoreBackoff: true, TestContext.Current.CancellationToken);

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
}
