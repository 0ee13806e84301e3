using System.Globalization;
using System.Text.RegularExpressions;
using PaperFeed.IntegrationTests.Infrastructure;

namespace PaperFeed.IntegrationTests.Api;

/// <summary>/metrics in Prometheus text format counts what the worker did.</summary>
public sealed partial class MetricsTests : WorkerTestBase
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    /// <summary>The value of <c>name{labels}</c>; the exporter adds the meter's name as the first label.</summary>
    private static double Value(string metrics, string name, string labels = "")
    {
        var series = $"{name}{{otel_scope_name=\"PaperFeed\"{(labels.Length > 0 ? "," + labels : "")}}}";
        var match = new Regex($"^{Regex.Escape(series)} (\\S+)", RegexOptions.Multiline).Match(metrics);
        Assert.True(match.Success, $"no series {series} in:\n{metrics}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task PollsAndStoredPapersAreCountedPerSource()
    {
        Server.Serve("/feed", TestFeeds.Rss(new TestFeeds.Item("g-1", "First"), new TestFeeds.Item("g-2", "Second")));
        Server.Fail("/broken", 500);
        await using var worker = await StartWorkerAsync("/feed", "/broken");

        await worker.PollAsync("feed");
        await worker.PollAsync("broken");
        await worker.DrainAsync();
        var metrics = await Eventually.ValueAsync(
            () => worker.Api.GetStringAsync("/metrics", TestContext.Current.CancellationToken),
            m => m.Contains("paperfeed_papers_added_total", StringComparison.Ordinal),
            "the added counter to be exported");

        Assert.Equal(2, Value(metrics, "paperfeed_papers_discovered_total", "source=\"feed\""));
        Assert.Equal(1, Value(metrics, "paperfeed_polls_total", "source=\"feed\",status=\"succeeded\""));
        Assert.Equal(1, Value(metrics, "paperfeed_polls_total", "source=\"broken\",status=\"failed\""));
        Assert.True(Value(metrics, "paperfeed_papers_added_total") >= 2); // the drain markers count too
        Assert.Contains("paperfeed_poll_duration_seconds_bucket{otel_scope_name=\"PaperFeed\",source=\"feed\"", metrics, StringComparison.Ordinal);
    }
}
