using System.Reflection;
using System.Text;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Api;
using PaperFeed.Worker.Polling;
using static PaperFeed.IntegrationTests.Infrastructure.TestFeeds;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>
/// A source that breaks — bad payloads, HTTP errors, hangs, huge bodies — fails alone, with a clear error in
/// <c>GET /api/sources</c>, leaves what it stored untouched, and does not stop the other sources.
/// </summary>
public sealed class SourceFailureTests : WorkerTestBase
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    public static TheoryData<string, string> Breakages => new()
    {
        { "malformed-xml", "feed:" },
        { "malformed-json", "feed:" },
        { "external-entity", "feed:" },
        { "not-found", "HTTP 404" },
        { "server-error", "HTTP 500" },
        { "hang", "timed out" },
        { "fifty-megabytes", "exceeds the limit" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task BrokenSourceFailsAloneWithClearErrorAndKeepsItsPapers(string breakage, string expectedError)
    {
        Server.Serve("/flaky", Rss(new Item("f-1", "Contrastive pretraining revisited", "https://arxiv.org/abs/2405.33333v1")));
        Server.Serve("/healthy", Rss(new Item("h-1", "Healthy paper one", "https://arxiv.org/abs/2405.44444v1")));
        await using var worker = await StartWorkerAsync("/flaky", "/healthy");
        await worker.PollAsync("flaky");
        await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2405.33333", "the flaky source's paper");
        var before = await worker.Api.GetStringAsync("/api/papers/arxiv:2405.33333", TestContext.Current.CancellationToken);

        Break("/flaky", breakage);
        var failed = await worker.PollAsync("flaky");

        Assert.Contains(expectedError, failed.LastError, StringComparison.Ordinal);
        Assert.Equal(1, failed.ConsecutiveErrors);
        Assert.NotNull(failed.BackoffUntil);
        var after = await worker.Api.GetStringAsync("/api/papers/arxiv:2405.33333", TestContext.Current.CancellationToken);
        Assert.Equal(before, after);

        Server.Serve("/healthy", Rss(new Item("h-2", "Healthy paper two", "https://arxiv.org/abs/2405.55555v1")));
        var healthy = await worker.PollAsync("healthy");
        Assert.Null(healthy.LastError);
        await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2405.55555", "the healthy source's new paper");
    }

    [Fact]
    public async Task FailuresBackOffAndASuccessClearsTheErrorCount()
    {
        Server.Fail("/down", 503);
        await using var worker = await StartWorkerAsync("/down");

        var first = await worker.PollAsync("down");
        var second = await worker.PollAsync("down");

        Assert.Equal(2, second.ConsecutiveErrors);
        Assert.Equal(new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero), second.NextPollAt);
        Assert.True(second.BackoffUntil - second.LastErrorAt > first.BackoffUntil - first.LastErrorAt, "the back-off grows with consecutive errors");

        Server.Serve("/down", Rss(new Item("d-1", "Back again", "https://example.org/d-1")));
        var recovered = await worker.PollAsync("down");
        Assert.Equal(0, recovered.ConsecutiveErrors);
        Assert.Null(recovered.BackoffUntil);
        Assert.Equal(1, recovered.LastPaperCount);
    }

    [Fact]
    public async Task APublishThatNeverCompletesFailsThePollAtItsTimeoutAndReleasesTheSource()
    {
        // What a publish does when the broker goes away mid-poll and its confirm never comes.
        Server.Serve("/stuck", Rss(new Item("s-1", "Stuck on the way to the bus", "https://arxiv.org/abs/2405.66666v1")));
        await using var worker = await StartWorkerAsync(
            new Dictionary<string, string?> { ["PaperFeed:Polling:PollTimeout"] = "00:00:01" },
            services => services.AddScoped(sp => ActivatorUtilities.CreateInstance<SourcePoller>(sp, HangingPublisher.Create())),
            "/stuck");

        var failed = await worker.PollAsync("stuck");
        var again = await worker.PollAsync("stuck");

        Assert.Equal("publishing 1 papers to the bus did not finish within the poll timeout 00:00:01 (PaperFeed:Polling:PollTimeout)", failed.LastError);
        Assert.Null(failed.LastSuccessAt);
        Assert.NotNull(failed.BackoffUntil);
        Assert.Equal(2, again.ConsecutiveErrors); // polled again, not "another worker is polling": the lease was released
    }

    /// <summary>An <see cref="IPublishEndpoint"/> whose every call waits forever, whatever its cancellation token says.</summary>
    public class HangingPublisher : DispatchProxy
    {
        public static IPublishEndpoint Create() => Create<IPublishEndpoint, HangingPublisher>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.ReturnType == typeof(Task) ? new TaskCompletionSource().Task : null;
    }

    private void Break(string path, string breakage)
    {
        switch (breakage)
        {
            case "malformed-xml":
                Server.Serve(path, Encoding.UTF8.GetBytes("<rss version=\"2.0\"><channel><item><title>unclosed"));
                break;
            case "malformed-json":
                Server.Serve(path, Encoding.UTF8.GetBytes("{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [ {\"id\": "), "application/feed+json");
                break;
            case "external-entity":
                Server.Serve(path, Encoding.UTF8.GetBytes("""
                    <?xml version="1.0"?>
                    <!DOCTYPE rss [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
                    <rss version="2.0"><channel><title>t</title><item><guid>e-1</guid><title>&secret;</title></item></channel></rss>
                    """));
                break;
            case "not-found":
                Server.Fail(path, 404);
                break;
            case "server-error":
                Server.Fail(path, 500);
                break;
            case "hang":
                Server.Hang(path);
                break;
            case "fifty-megabytes":
                Server.Huge(path, 50L * 1024 * 1024);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(breakage), breakage, null);
        }
    }
}
