using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;

namespace PaperFeed.IntegrationTests.Api;

/// <summary>/metrics in Prometheus text format counts what the worker did.</summary>
[Collection(MetricsMeasurement.Name)]
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
        Assert.Equal(2, Value(metrics, "paperfeed_papers_added_total", "source=\"feed\""));
        Assert.Equal(2, Value(metrics, "paperfeed_papers_added_total", "source=\"drain\"")); // the drain markers
        Assert.Contains("paperfeed_poll_duration_seconds_bucket{otel_scope_name=\"PaperFeed\",source=\"feed\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliveriesAreCountedByStateAndMessagesByTheirWaitInTheQueue()
    {
        var secret = WebhookSignature.GenerateSecret();
        await using var receiver = await WebhookReceiver.StartAsync(secret);
        receiver.Answer("/gone", 410);
        Server.Serve("/feed", TestFeeds.Rss(new TestFeeds.Item("g-1", "Sparse attention at scale")));
        await using var worker = await StartWorkerAsync(new Dictionary<string, string?> { ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32" }, "/feed");
        await TestSubscriptions.WebhookAsync(worker, receiver.Url("/hook"), secret, ["sparse"]);
        await TestSubscriptions.WebhookAsync(worker, receiver.Url("/gone"), secret, ["sparse"]);

        await worker.PollAsync("feed");
        await receiver.WaitForAsync(2, Eventually.Timeout);
        using var scope = worker.Services.CreateScope();
        var deliveries = scope.ServiceProvider.GetRequiredService<IDeliveryStore>();
        await Eventually.ValueAsync(() => deliveries.CountByStateAsync(TestContext.Current.CancellationToken), c => c.GetValueOrDefault(DeliveryState.Delivered) + c.GetValueOrDefault(DeliveryState.Dead) == 2, "both attempts recorded");
        await scope.ServiceProvider.GetRequiredService<DeliveryRetrier>().RunOnceAsync(TestContext.Current.CancellationToken);
        var metrics = await worker.Api.GetStringAsync("/metrics", TestContext.Current.CancellationToken);

        Assert.Equal(1, Value(metrics, "paperfeed_deliveries", "state=\"delivered\""));
        Assert.Equal(1, Value(metrics, "paperfeed_deliveries", "state=\"dead\""));
        Assert.Equal(0, Value(metrics, "paperfeed_deliveries", "state=\"pending\""));
        Assert.True(Value(metrics, "paperfeed_consumer_lag_seconds_count", "message=\"PaperDiscovered\"") >= 1);
        Assert.True(Value(metrics, "paperfeed_consumer_lag_seconds_count", "message=\"DeliverNotification\"") >= 2);
        Assert.True(Value(metrics, "paperfeed_consumer_lag_seconds_sum", "message=\"PaperAdded\"") >= 0);
    }
}
