using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Notifications.Webhooks;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>
/// Traces and log scopes. One trace runs from the poll to the webhook request: the poll's span is the root, MassTransit carries the W3C trace
/// context through ingest, matching and delivery, and the webhook request carries it in <c>traceparent</c>.
/// </summary>
public abstract class ObservabilityTests : WorkerTestBase
{
    private readonly string _secret = WebhookSignature.GenerateSecret();
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;
    private WebhookReceiver _receiver = null!;

    protected ObservabilityTests()
    {
        // Listening is what turns spans on (as the OpenTelemetry SDK does when an exporter is configured).
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is PaperFeedTracing.SourceName or PaperFeedTracing.MassTransitSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public override async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    [Fact]
    public async Task TheWebhookRequestCarriesThePollsTrace()
    {
        _receiver = await WebhookReceiver.StartAsync(_secret);
        var path = $"/traced-{Guid.NewGuid():N}"[..16];
        var source = path.Trim('/');
        Server.Serve(path, TestFeeds.Rss(new TestFeeds.Item("https://arxiv.org/abs/2411.07001", "Sparse attention, traced")));
        await using var worker = await StartWorkerAsync(new Dictionary<string, string?> { ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32" }, path);
        await TestSubscriptions.WebhookAsync(worker, _receiver.Url("/hook"), _secret, ["\"sparse attention\""]);

        await worker.PollAsync(source);
        await _receiver.WaitForAsync(1, Eventually.Timeout);

        var traceparent = Assert.Single(_receiver.Received).Header("traceparent");
        Assert.NotNull(traceparent);
        var traceId = ActivityContext.Parse(traceparent, null).TraceId;
        var poll = await Eventually.ValueAsync(
            () => Task.FromResult(_spans.FirstOrDefault(s => s.DisplayName == $"poll {source}")),
            s => s is not null,
            "the poll's span");
        Assert.Equal(poll!.TraceId, traceId);
        Assert.Null(poll.Parent);
        Assert.Equal(source, poll.GetTagItem(PaperFeedTracing.Tags.Source));

        // Every hop between the poll and the request is a span of the same trace (the delivery's ends after the request).
        string[] hops = ["ingest-papers process", "match-papers process", "deliver-notification process"];
        var names = await Eventually.ValueAsync(
            () => Task.FromResult(_spans.Where(s => s.TraceId == traceId).Select(s => s.DisplayName).ToList()),
            n => hops.All(n.Contains),
            "spans of ingest, matching and delivery in the poll's trace");
        Assert.Contains(names, n => n.EndsWith("PaperDiscovered send", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("DeliverNotification send", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LogLinesNameTheSourcePaperDeliveryAndSubscriptionTheyAreAbout()
    {
        _receiver = await WebhookReceiver.StartAsync(_secret);
        _receiver.Answer("/busy", 503);
        var capture = new LogCapture();
        Server.Serve("/logged", TestFeeds.Rss(new TestFeeds.Item("https://arxiv.org/abs/2411.07002", "Sparse attention, logged")));
        await using var worker = await StartWorkerAsync(
            new Dictionary<string, string?>
            {
                ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32",
                ["Logging:LogLevel:PaperFeed"] = "Information",
            },
            s => s.AddSingleton<ILoggerProvider>(capture),
            "/logged");
        var subscription = await TestSubscriptions.WebhookAsync(worker, _receiver.Url("/busy"), _secret, ["\"sparse attention\""]);

        await worker.PollAsync("logged");
        var failed = await Eventually.ValueAsync(
            () => Task.FromResult(capture.Lines.FirstOrDefault(l => l.Message.Contains("attempt 1 failed", StringComparison.Ordinal))),
            l => l is not null,
            "the failed attempt's log line");

        Assert.Equal(subscription.Id, failed!.Scope["SubscriptionId"]);
        Assert.Equal("arxiv:2411.07002", failed.Scope["PaperId"]);
        Assert.StartsWith("dlv_", (string)failed.Scope["DeliveryId"]!, StringComparison.Ordinal);
        var polled = Assert.Single(capture.Lines, l => l.Message.StartsWith("source logged: polled", StringComparison.Ordinal));
        Assert.Equal("logged", polled.Scope["SourceName"]);
    }
}

public sealed class InMemoryObservabilityTests : ObservabilityTests
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });
}

public sealed class RabbitMqObservabilityTests(RabbitMqFixture broker) : ObservabilityTests
{
    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        return new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = await broker.CreateVirtualHostAsync("tracing"),
        };
    }
}
