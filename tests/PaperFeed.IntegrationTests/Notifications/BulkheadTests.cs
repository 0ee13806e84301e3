using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;

namespace PaperFeed.IntegrationTests.Notifications;

/// <summary>
/// One webhook endpoint in twenty hangs (never answers): it holds its host's few sending slots, and once its requests
/// have run longer than <see cref="EndpointBulkhead.SlowAfter"/> its other deliveries are left for the retry job; the
/// nineteen healthy endpoints get all of theirs while its requests still hang.
/// </summary>
public sealed class BulkheadTests : WorkerTestBase
{
    private const int Endpoints = 20;
    private const int Papers = 40; // more hanging deliveries than the consumer has slots (32)
    private const int PerHost = 4;
    private readonly string _secret = WebhookSignature.GenerateSecret();

    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    [Fact]
    public async Task AHangingEndpointHoldsOnlyItsOwnSlotsAndTheHealthyOnesGetEveryDelivery()
    {
        var receivers = await Task.WhenAll(Enumerable.Range(0, Endpoints).Select(_ => WebhookReceiver.StartAsync(_secret)));
        try
        {
            var hanging = receivers[0];
            hanging.Hang("/hook");
            await using var worker = await StartWorkerAsync(new Dictionary<string, string?>
            {
                ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32",
                // The hanging requests outlast the test: only the bulkhead can keep them from taking every slot.
                ["PaperFeed:Webhooks:Timeout"] = "00:10:00",
                ["PaperFeed:Webhooks:MaxConcurrentPerHost"] = PerHost.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PaperFeed:Deliveries:SweepAfter"] = "01:00:00",
            });
            foreach (var receiver in receivers)
            {
                await TestSubscriptions.WebhookAsync(worker, receiver.Url("/hook"), _secret, ["sparse"]);
            }

            var bus = worker.Services.GetRequiredService<IBus>();
            await Task.WhenAll(Enumerable.Range(0, Papers).Select(i => bus.Publish(
                new PaperDiscovered("bulk", new DiscoveredPaper { ExternalId = $"b-{i}", Title = $"Sparse paper {i}" }, DateTimeOffset.UtcNow),
                TestContext.Current.CancellationToken)));

            await Task.WhenAll(receivers.Skip(1).Select(r => r.WaitForAsync(Papers, Eventually.Timeout)));

            Assert.All(receivers.Skip(1), r => Assert.Equal(Papers, r.Received.Select(w => w.Id).Distinct().Count()));
            Assert.Equal(PerHost, hanging.Received.Count); // in flight, still hanging
            var counts = await Eventually.ValueAsync(
                () => worker.Services.GetRequiredService<IDeliveryStore>().CountByStateAsync(TestContext.Current.CancellationToken),
                c => c[DeliveryState.Delivered] == (Endpoints - 1) * Papers && c[DeliveryState.Pending] == Papers - PerHost,
                "every healthy delivery recorded, the hanging host's others left pending");
            Assert.Equal(PerHost, counts[DeliveryState.Sending]);
            Assert.Equal(Papers - PerHost, counts[DeliveryState.Pending]); // left for the retry job, no attempt spent
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }
}
