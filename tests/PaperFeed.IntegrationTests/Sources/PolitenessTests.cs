using PaperFeed.IntegrationTests.Infrastructure;
using static PaperFeed.IntegrationTests.Infrastructure.TestFeeds;

namespace PaperFeed.IntegrationTests.Sources;

/// <summary>
/// Per-host politeness holds across sources: several sources on one host share its spacing and its single
/// connection, and a Retry-After from the host holds back every source's next request. Times are the loopback
/// server's record of when each request arrived.
/// </summary>
public sealed class PolitenessTests : WorkerTestBase
{
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(500);

    // A loaded machine (the suite runs test classes in parallel) can delay one arrival more than the next, bringing
    // two arrivals closer than the client spaced their starts. Without spacing they would be about one server
    // delay (100 ms) apart, well below Spacing - Jitter.
    private static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(150);

    private static readonly Dictionary<string, string?> Polite = new()
    {
        ["PaperFeed:Http:Retries"] = "0",
        // The loopback server stands in for arxiv.org: the same rule (spacing, one connection), shorter.
        ["PaperFeed:Http:Hosts:127.0.0.1:MinInterval"] = Spacing.ToString(),
        ["PaperFeed:Http:Hosts:127.0.0.1:MaxConcurrency"] = "1",
    };

    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    [Fact]
    public async Task ThreeSourcesPollingAtOnceAreSpacedAndNeverOverlapOnOneHost()
    {
        foreach (var name in (string[])["cs-ai", "cs-lg", "cs-cl"])
        {
            Server.Serve($"/{name}", Rss(new Item($"{name}-1", $"Paper from {name}", $"https://example.org/{name}")), delay: TimeSpan.FromMilliseconds(100));
        }

        await using var worker = await StartWorkerAsync(Polite, "/cs-ai", "/cs-lg", "/cs-cl");

        await Task.WhenAll(worker.PollAsync("cs-ai"), worker.PollAsync("cs-lg"), worker.PollAsync("cs-cl"));
        await worker.PollAsync("cs-ai");

        var starts = Server.RequestStarts.Select(r => r.At).Order().ToList();
        Assert.Equal(4, starts.Count);
        Assert.Equal(1, Server.MaxConcurrentRequests);
        var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, gap => Assert.True(gap >= Spacing - Jitter, $"requests {gap.TotalMilliseconds:0} ms apart; the host's spacing is {Spacing.TotalMilliseconds:0} ms"));
    }

    [Fact]
    public async Task RetryAfterFromTheHostHoldsBackEverySourceOnIt()
    {
        Server.Fail("/busy", 503, retryAfter: TimeSpan.FromSeconds(2));
        Server.Serve("/other", Rss(new Item("o-1", "Other listing", "https://example.org/o-1")));
        await using var worker = await StartWorkerAsync(Polite, "/busy", "/other");

        var busy = await worker.PollAsync("busy");
        Assert.Contains("HTTP 503", busy.LastError, StringComparison.Ordinal);
        await worker.PollAsync("other");

        var busyAt = Server.RequestStarts.Single(r => r.Path == "/busy").At;
        var otherAt = Server.RequestStarts.Single(r => r.Path == "/other").At;
        Assert.True(otherAt - busyAt >= TimeSpan.FromSeconds(2) - Jitter, $"the next request came {(otherAt - busyAt).TotalMilliseconds:0} ms after a Retry-After of 2 s");
    }
}
