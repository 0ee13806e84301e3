using System.Diagnostics;
using System.Net;
using PaperFeed.ChaosTests.Harness;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Messaging;

namespace PaperFeed.ChaosTests.Scenarios;

/// <summary>
/// The network between a worker and the broker goes silent while papers are being consumed: nothing is closed, so
/// only the publish probe of /health/ready and heartbeats can tell. The worker must say it is not ready within a few
/// heartbeat intervals at most (not the client's default of minutes), reconnect once the network is back, and store
/// every paper exactly once. Needs no control over the broker, so it runs wherever a broker does.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class NetworkPartitionTests(RabbitMqFixture broker) : ChaosScenario(broker)
{
    private const int PaperCount = 10_000;
    private const string Source = "bulk";

    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ASilentNetworkIsNoticedAndNothingIsLostOrDoubledAfterItHeals()
    {
        var settings = await SettingsAsync("partition");
        var proxy = Own(PartitionProxy.Start(Broker.AmqpUri!));
        settings["ConnectionStrings:RabbitMq"] = proxy.Route(settings["ConnectionStrings:RabbitMq"]!);
        Feeds.Serve("/bulk.json", ChaosFeeds.JsonFeed(PaperCount), "application/feed+json");
        AddFeedSource(settings, 0, Source, "/bulk.json");
        var worker = await StartWorkerAsync(settings);
        var pid = worker.ProcessId;

        // Given a poll of 10,000 papers published and being stored
        await TriggerPollAsync(worker, Source);
        await Until.ValueAsync(() => SourceAsync(worker, Source), s => s.LastSuccessAt is not null, TimeSpan.FromSeconds(60), "the poll to publish every paper");
        var before = await Store.PapersAsync();

        // When the network goes silent
        proxy.Partition();
        var silent = Stopwatch.StartNew();

        // Then the worker notices and says it is not ready
        TimeSpan noticed;
        StoreProbe.PaperCounts during;
        try
        {
            var status = await Until.ValueAsync(worker.ReadinessAsync, s => s != HttpStatusCode.OK, BrokerLossNoticed, "/health/ready to report the silent broker");
            noticed = silent.Elapsed;
            during = await Store.PapersAsync();
            Report($"partitioned with {before}; /health/ready answered {(status is null ? "nothing" : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture))} " +
                $"{noticed.TotalSeconds:0.0} s later (heartbeat {RabbitMqTimeouts.Heartbeat.TotalSeconds:0} s), with {during}");
        }
        finally
        {
            proxy.Heal();
        }

        // And, once the network is back, it is ready again without a restart and stores every paper once
        var healed = Stopwatch.StartNew();
        await Until.ValueAsync(worker.ReadinessAsync, s => s == HttpStatusCode.OK, RecoveryDeadline, "/health/ready to recover after the network heals");
        var readyAfter = healed.Elapsed;
        var papers = await Until.ValueAsync(
            Store.PapersAsync, p => p.Rows >= PaperCount && p.Unannounced == 0, TimeSpan.FromSeconds(120), "every paper stored and announced");
        Report($"ready again {readyAfter.TotalSeconds:0.0} s after healing ({proxy.Accepted} connections through the proxy); converged {healed.Elapsed.TotalSeconds:0.0} s after healing: {papers}");
        foreach (var line in worker.Output.Where(l => l.Contains("RabbitMQ.Client", StringComparison.Ordinal) || l.Contains(" warn: MassTransit", StringComparison.Ordinal)).Take(6))
        {
            Report(line.Length > 400 ? line[..400] : line);
        }

        Assert.True(worker.Running, "the worker exited during the partition");
        Assert.Equal(pid, worker.ProcessId);
        Assert.True(before.Rows < PaperCount, $"the partition began after consumption had ended ({before}); it proves nothing about consumers");
        await AssertEveryPaperStoredOnceAsync(papers, PaperCount);
    }
}
