using Microsoft.Extensions.DependencyInjection;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>
/// Two complete workers on one RabbitMQ virtual host and one store, as in a scaled-out deployment: consumers
/// compete on the queues, both poll the same source, and still each paper is stored once and each alert sent once.
/// </summary>
public sealed class ScaleOutTests(RabbitMqFixture broker) : SharedBrokerTestBase(broker, "scale-out")
{
    private const int Papers = 300;
    private readonly string _secret = WebhookSignature.GenerateSecret();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<PollReport> PollAsync(WorkerHost worker, string source)
    {
        await using var scope = worker.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SourcePoller>().PollAsync(source, ignoreBackoff: true, Ct);
    }

    private static async Task<List<StoredPaper>> StoredAsync(WorkerHost worker, string source)
    {
        var store = worker.Services.GetRequiredService<IPaperStore>();
        var all = new List<StoredPaper>();
        string? cursor = null;
        do
        {
            var page = await store.ListAsync(new PaperQuery(Source: source, Limit: 200, Cursor: cursor), Ct);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    private static bool IsFeedPaper(string paperId) => paperId.StartsWith("arxiv:2411.", StringComparison.Ordinal);

    [Fact]
    public async Task TwoWorkersPollingTheSameSourceStoreEachPaperOnceAndSendEachAlertOnce()
    {
        // Every fifth paper is about sparse attention: 60 alerts are owed.
        var items = Enumerable.Range(0, Papers)
            .Select(i => new TestFeeds.Item($"https://arxiv.org/abs/2411.{10000 + i}", i % 5 == 0 ? $"Sparse attention, part {i}" : $"Dense retrieval, part {i}"))
            .ToArray();
        Server.Serve("/shared", TestFeeds.Rss(items));
        await using var receiver = await WebhookReceiver.StartAsync(_secret);
        var settings = new Dictionary<string, string?> { ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32" };
        await using var first = await StartWorkerAsync(settings, "/shared");
        await TestSubscriptions.WebhookAsync(first, receiver.Url("/hook"), _secret, ["\"sparse attention\""]);
        await using var second = await StartWorkerAsync(settings, "/shared"); // indexes the stored subscription at start

        // Both workers poll the source, three rounds at the same moment: six sightings of every paper.
        var reports = new List<PollReport>();
        for (var round = 0; round < 3; round++)
        {
            reports.AddRange(await Task.WhenAll(PollAsync(first, "shared"), PollAsync(second, "shared")));
        }

        // Ingest competes across the hosts, so one host's drain does not cover the other's batches: wait for the
        // owed outcome first, then drain both so that any extra announcement or alert would have arrived.
        await Eventually.ValueAsync(
            () => Task.FromResult(new[] { first, second }.Min(h => h.Announcements.All.Select(a => a.PaperId).Where(IsFeedPaper).Distinct().Count())),
            n => n == Papers,
            "every paper announced to both hosts");
        await receiver.WaitForAsync(Papers / 5, Eventually.Timeout);
        await Task.WhenAll(first.DrainAsync(), second.DrainAsync());
        var deliveries = first.Services.GetRequiredService<IDeliveryStore>();
        var counts = await Eventually.ValueAsync(
            () => deliveries.CountByStateAsync(Ct),
            c => c.GetValueOrDefault(DeliveryState.Delivered) == Papers / 5,
            "every delivery recorded as delivered");

        // The lease let one poll run at a time: some rounds were skipped by the worker that came second.
        Assert.All(reports, r => Assert.NotEqual(PollStatus.Failed, r.Status));
        Assert.Equal(reports.Count(r => r.Status == PollStatus.Succeeded), Server.Requests("/shared"));

        var stored = await StoredAsync(first, "shared");
        Assert.Equal(Papers, stored.Count);
        Assert.Equal(Papers, stored.Select(p => p.Id).Distinct().Count());

        // Each host records every announcement on its own queue. Announcements are at least once: a paper stored by
        // one host and not yet marked announced is announced again by the other host's batch that sees it owed (as
        // after a crash); the alerts downstream stay single because deliveries are unique by key.
        var announced = first.Announcements.All.Where(a => IsFeedPaper(a.PaperId)).ToList();
        Assert.Equal(Papers, announced.Select(a => a.PaperId).Distinct().Count());
        Assert.All(announced, a => Assert.Equal("added", a.Kind));
        TestContext.Current.TestOutputHelper?.WriteLine($"{announced.Count} announcements of {Papers} papers");

        Assert.Equal(Papers / 5, receiver.Received.Count);
        Assert.Equal(Papers / 5, receiver.Received.Select(r => r.Id).Distinct().Count());
        Assert.All(receiver.Received, r => Assert.True(r.Verified, r.VerificationFailure));
        Assert.Equal(0, counts.GetValueOrDefault(DeliveryState.Pending) + counts.GetValueOrDefault(DeliveryState.Sending) + counts.GetValueOrDefault(DeliveryState.Failed));
    }
}
