using MassTransit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Cli;
using PaperFeed.Worker.Messaging;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Papers;

namespace PaperFeed.IntegrationTests.Chaos;

/// <summary>
/// Faults a worker meets in production, on a real broker and a real SQLite file: messages delivered many times,
/// a store that is locked for a while, and a message that can never be handled.
/// </summary>
public abstract class FaultToleranceTests : WorkerTestBase
{
    private readonly string _secret = WebhookSignature.GenerateSecret();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected string Secret => _secret;

    protected static DiscoveredPaper Paper(string arxiv, string title) => new()
    {
        ExternalId = arxiv, ArxivId = arxiv, Title = title, Abstract = "A study.", Authors = ["Ada Lovelace"],
        Links = new PaperLinks { Abstract = $"https://arxiv.org/abs/{arxiv}" },
    };

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(20)]
    public async Task EveryMessageOfThePipelineDeliveredManyTimesAtOnceGivesOnePaperOneDeliveryOneRequest(int times)
    {
        await using var receiver = await WebhookReceiver.StartAsync(_secret);
        await using var worker = await StartWorkerAsync(new Dictionary<string, string?> { ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32" });
        var subscription = await TestSubscriptions.WebhookAsync(worker, receiver.Url("/hook"), _secret, ["\"sparse attention\""]);
        var bus = worker.Services.GetRequiredService<IBus>();
        var arxiv = $"2411.{20000 + times}";

        // The same sighting, n times at once; then the same announcement; then the same delivery command.
        var discovered = new PaperDiscovered("redelivered", Paper(arxiv, "Sparse attention, again and again"), DateTimeOffset.UtcNow);
        await Task.WhenAll(Enumerable.Range(0, times).Select(_ => bus.Publish(discovered, Ct)));
        var announced = await worker.Announcements.WaitForAsync(a => a.PaperId == $"arxiv:{arxiv}", "the announcement");
        await Task.WhenAll(Enumerable.Range(0, times).Select(_ => bus.Publish(new PaperAdded(announced.PaperId, announced.Paper), Ct)));
        await receiver.WaitForAsync(1, Eventually.Timeout);
        var delivery = Assert.Single(await worker.Services.GetRequiredService<IDeliveryStore>().ListBySubscriptionAsync(subscription.Id, 10, null, Ct));
        await Task.WhenAll(Enumerable.Range(0, times).Select(_ => bus.Publish(new DeliverNotification(delivery.Id), Ct)));
        await worker.DrainAsync();

        var stored = await worker.Services.GetRequiredService<IPaperStore>().ListAsync(new PaperQuery(Source: "redelivered"), Ct);
        Assert.Single(stored.Items);
        var deliveries = await worker.Services.GetRequiredService<IDeliveryStore>().ListBySubscriptionAsync(subscription.Id, 10, null, Ct);
        var sent = Assert.Single(deliveries);
        Assert.Equal(DeliveryState.Delivered, sent.State);
        Assert.Equal(1, sent.Attempts);
        var request = Assert.Single(receiver.Received);
        Assert.Equal(sent.Id, request.Id);
    }
}

public sealed class InMemoryFaultToleranceTests : FaultToleranceTests
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });
}

/// <summary>The faults that need a broker's queues: a store outage held out, a poison message parked and re-driven.</summary>
public sealed class RabbitMqFaultToleranceTests(RabbitMqFixture broker) : FaultToleranceTests
{
    private string? _vhost;

    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        _vhost ??= await broker.CreateVirtualHostAsync("faults");
        return new Dictionary<string, string?> { ["PaperFeed:Transport"] = "RabbitMq", ["ConnectionStrings:RabbitMq"] = _vhost };
    }

    private static int Count(LogCapture logs, string prefix) => logs.Lines.Count(l => l.Message.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public async Task WhileTheStoreIsLockedMessagesAreRetriedNotParkedAndTheBacklogDrainsAfter()
    {
        var logs = new LogCapture();
        await using var worker = await StartWorkerAsync(
            new Dictionary<string, string?>
            {
                // Writers give up on a locked file after 1 s instead of 30 s, so the outage outlasts many tries quickly.
                ["ConnectionStrings:Sqlite"] = $"Data Source={DatabasePath};Default Timeout=1",
            },
            s => s.AddSingleton<ILoggerProvider>(logs));
        var bus = worker.Services.GetRequiredService<IBus>();

        // Another process takes the write lock and keeps it: every write of the worker fails with SQLITE_BUSY.
        // Not pooled: closing the connection must end its transaction and so the outage.
        await using (var outage = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await outage.OpenAsync(Ct);
            await using (var begin = outage.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync(Ct);
            }

            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => bus.Publish(
                new PaperDiscovered("outage", Paper($"2411.{30000 + i}", $"Paper {i} written during an outage"), DateTimeOffset.UtcNow), Ct)));

            // More tries than a failing message gets before it is parked: a store outage is not such a failure.
            await Eventually.ValueAsync(
                () => Task.FromResult(Count(logs, "ingest-papers: try")),
                n => n > RetryPolicies.PoisonTries,
                "the ingest retrying through the outage");
        }

        await Eventually.ValueAsync(
            async () => (await worker.Services.GetRequiredService<IPaperStore>().ListAsync(new PaperQuery(Source: "outage", Limit: 100), Ct)).Items.Count,
            n => n == 50,
            "the backlog stored after the outage");
        var parked = await new ErrorQueues(new Uri(_vhost!)).ListAsync("ingest-papers", Ct);

        Assert.Empty(parked);
        Assert.Equal(0, Count(logs, "ingest-papers: gave up"));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("database is locked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APoisonMessageIsParkedWithItsReasonTheQueueFlowsOnAndItCanBeRedriven()
    {
        var logs = new LogCapture();
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await using var worker = await StartWorkerAsync(
            new Dictionary<string, string?> { ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32" },
            s => s.AddSingleton<ILoggerProvider>(logs));
        await TestSubscriptions.WebhookAsync(worker, receiver.Url("/hook"), Secret, ["\"sparse attention\""]);
        var bus = worker.Services.GetRequiredService<IBus>();

        // An announcement without its paper (a producer with a bug) fails matching every time.
        await bus.Publish(new PaperAdded("arxiv:2411.39999", null!), Ct);
        await bus.Publish(new PaperDiscovered("fine", Paper("2411.39998", "Sparse attention, unaffected"), DateTimeOffset.UtcNow), Ct);
        await receiver.WaitForAsync(1, Eventually.Timeout);
        await Eventually.ValueAsync(() => Task.FromResult(Count(logs, "match-papers: gave up")), n => n == 1, "the poison message parked");
        var errors = new ErrorQueues(new Uri(_vhost!));
        var parked = await Eventually.ValueAsync(() => errors.ListAsync(null, Ct), p => p.Count == 1, "the parked message in match-papers_error");

        var poison = Assert.Single(parked);
        Assert.Equal("match-papers", poison.Queue);
        Assert.Equal("PaperAdded", poison.MessageType);
        Assert.Equal("System.ArgumentNullException", poison.ExceptionType);
        Assert.NotNull(poison.FaultedAt);
        Assert.Equal(RetryPolicies.PoisonTries, Count(logs, "match-papers: try") + 1);
        Assert.Single(await errors.ListAsync("match-papers", Ct)); // listing took nothing away

        // Re-driven (here with the cause unfixed): consumed again from its queue, tried again, parked again.
        Assert.Equal(0, await PaperFeedCli.RunAsync(["errors", "redrive", "match-papers", "--message-id", poison.MessageId!, "--broker", _vhost!]));
        await Eventually.ValueAsync(() => Task.FromResult(Count(logs, "match-papers: gave up")), n => n == 2, "the re-driven message tried again");
        var again = await Eventually.ValueAsync(() => errors.ListAsync("match-papers", Ct), p => p.Count == 1, "the message parked again");
        Assert.Equal(poison.MessageId, again[0].MessageId);
        Assert.True(again[0].FaultedAt > poison.FaultedAt);
        Assert.Equal(0, await PaperFeedCli.RunAsync(["errors", "list", "--broker", _vhost!]));
        Assert.Equal(1, await PaperFeedCli.RunAsync(["errors", "redrive", "match-papers", "--message-id", "no-such-message", "--broker", _vhost!]));
        Assert.Single(receiver.Received);
    }
}
