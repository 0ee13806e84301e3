using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Api;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.IntegrationTests.Notifications;

/// <summary>
/// Webhooks end to end against a real loopback receiver that verifies Standard Webhooks signatures: once per
/// paper however often it is announced, a gone endpoint pauses the subscription, and the API refuses URLs aimed at
/// private networks.
/// </summary>
public abstract class WebhookPipelineTests : WorkerTestBase
{
    private readonly string _secret = WebhookSignature.GenerateSecret();
    private WebhookReceiver _receiver = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public override async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task<WorkerHost> StartAsync()
    {
        _receiver = await WebhookReceiver.StartAsync(_secret);
        return await StartWorkerAsync(new Dictionary<string, string?>
        {
            // The receiver listens on loopback: allow exactly that address, keep the guard on for everything else.
            ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32",
            ["PaperFeed:Deliveries:JobInterval"] = "00:00:00.100",
        });
    }

    private Task<Subscription> SubscribeAsync(WorkerHost worker, string path, WebhookFormat format = WebhookFormat.Standard) =>
        TestSubscriptions.WebhookAsync(worker, _receiver.Url(path), _secret, ["\"sparse attention\""], format);

    private static DiscoveredPaper Paper(string arxiv, string title) => new()
    {
        ExternalId = arxiv, ArxivId = arxiv, Title = title, Abstract = "A study.", Authors = ["Ada Lovelace"],
        Links = new PaperLinks { Abstract = $"https://arxiv.org/abs/{arxiv}" }, Metrics = new PaperMetrics { Upvotes = 7 },
    };

    private static Task<Delivery> DeliveryAsync(WorkerHost worker, string subscriptionId, Func<Delivery, bool> condition, string what) =>
        Eventually.ValueAsync(
            async () => (await worker.Services.GetRequiredService<IDeliveryStore>().ListBySubscriptionAsync(subscriptionId, 10, null, Ct)).FirstOrDefault(),
            d => d is not null && condition(d),
            what)!;

    [Fact]
    public async Task ThePaperAnnouncedFiveTimesIsPostedOnceSignedWithTheDeliveryId()
    {
        await using var worker = await StartAsync();
        var subscription = await SubscribeAsync(worker, "/hook");

        await worker.Services.GetRequiredService<IBus>().Publish(new PaperDiscovered("arxiv", Paper("2411.00100", "Sparse attention for long documents"), DateTimeOffset.UtcNow), Ct);
        var announced = await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2411.00100", "the announcement");
        var bus = worker.Services.GetRequiredService<IBus>();
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => bus.Publish(new PaperAdded(announced.PaperId, announced.Paper), Ct)));
        var delivered = await DeliveryAsync(worker, subscription.Id, d => d.State == DeliveryState.Delivered, "the webhook delivery");

        var received = Assert.Single(_receiver.Received);
        Assert.True(received.Verified, received.VerificationFailure);
        Assert.Equal(delivered.Id, received.Id);
        Assert.Equal(1, delivered.Attempts);
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal("paper.added", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("arxiv:2411.00100", body.RootElement.GetProperty("data").GetProperty("paper").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A410PausesTheSubscriptionWithTheReason()
    {
        await using var worker = await StartAsync();
        _receiver.Answer("/gone", 410);
        var subscription = await SubscribeAsync(worker, "/gone");

        await worker.Services.GetRequiredService<IBus>().Publish(new PaperDiscovered("arxiv", Paper("2411.00101", "Sparse attention everywhere"), DateTimeOffset.UtcNow), Ct);
        var dead = await DeliveryAsync(worker, subscription.Id, d => d.State == DeliveryState.Dead, "the delivery to die");

        Assert.Equal(410, dead.LastStatusCode);
        var read = await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{subscription.Id}");
        Assert.Equal("paused", read!.Status);
        Assert.Contains("410", read.PausedReason, StringComparison.Ordinal);
        Assert.Single(_receiver.Received);
    }

    [Theory]
    [InlineData("http://127.0.0.2/hook")]
    [InlineData("http://[::ffff:a9fe:a9fe]/")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://2130706434/")]
    [InlineData("http://0x7f.2/")]
    [InlineData("http://[::ffff:127.0.0.2]/")]
    [InlineData("http://[::1]:8080/")]
    [InlineData("http://10.0.0.5/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://[fd00::1]/")]
    public async Task TheApiRefusesWebhooksAimedAtPrivateNetworks(string url)
    // 127.0.0.1 itself is allowed here (the receiver); every other loopback address, in any spelling, is not.
    {
        await using var worker = await StartAsync();

        var response = await worker.Api.PostAsJsonAsync("/api/subscriptions", new { channel = new { type = "webhook", url }, filter = new { keywords = new[] { "x" } } }, Ct);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("channel.url", body, StringComparison.Ordinal);
        Assert.Empty((await worker.GetAsync<List<SubscriptionResponse>>("/api/subscriptions"))!);
    }
}

public sealed class InMemoryWebhookPipelineTests : WebhookPipelineTests
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });
}

public sealed class RabbitMqWebhookPipelineTests(RabbitMqFixture broker) : WebhookPipelineTests
{
    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        var vhost = await broker.CreateVirtualHostAsync("webhooks");
        return new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = vhost,
        };
    }
}
