using System.Diagnostics;
using System.Net;
using PaperFeed.ChaosTests.Harness;
using PaperFeed.IntegrationTests.Infrastructure;

namespace PaperFeed.ChaosTests.Scenarios;

/// <summary>
/// The broker goes away (rabbitmqctl stop_app) while a large poll publishes and its first papers are stored, or
/// while its published papers are stored, and comes back (start_app): the worker says it is not ready while the
/// broker is gone, recovers on its own, and the store ends with every paper exactly once.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class BrokerRestartTests(RabbitMqFixture broker) : ChaosScenario(broker)
{
    private const int PaperCount = 10_000;
    private const string Source = "bulk";

    // How long the broker stays away: long enough for every connection to notice, short for the engineers sharing it.
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(30);

    /// <summary>When in the poll the broker goes away.</summary>
    public enum Moment
    {
        /// <summary>The poll is still publishing its papers, and the first of them are being stored.</summary>
        WhilePublishing,

        /// <summary>The poll's papers were all confirmed (its checkpoint saved) and are being stored.</summary>
        WhileConsuming,
    }

    [Theory]
    [InlineData(Moment.WhilePublishing)]
    [InlineData(Moment.WhileConsuming)]
    public async Task ARestartedBrokerLosesAndDuplicatesNothingAndTheWorkerRecoversWithoutARestart(Moment moment)
    {
        var control = Own(BrokerControl.ForLocalBroker(Broker));
        Feeds.Serve("/bulk.json", ChaosFeeds.JsonFeed(PaperCount), "application/feed+json");
        var settings = await SettingsAsync("broker-restart");
        AddFeedSource(settings, 0, Source, "/bulk.json");
        settings["PaperFeed:Polling:BackoffBase"] = "00:00:01";
        // A poll whose publish the outage interrupted is abandoned at this timeout (5 min by default) and fails.
        settings["PaperFeed:Polling:PollTimeout"] = PollTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        var worker = await StartWorkerAsync(settings);
        var pid = worker.ProcessId;
        var clock = Stopwatch.StartNew();

        // Given a poll of 10,000 papers: still publishing while the first are stored, or published and being stored
        await TriggerPollAsync(worker, Source);
        if (moment == Moment.WhilePublishing)
        {
            await Until.ValueAsync(Store.PapersAsync, p => p.Rows > 0, TimeSpan.FromSeconds(60), "the first papers to be stored");
            var polling = await SourceAsync(worker, Source);
            Assert.True(polling.LastSuccessAt is null, "the poll finished publishing before the first paper was stored; the scenario needs a longer feed");
        }
        else
        {
            await Until.ValueAsync(() => SourceAsync(worker, Source), s => s.LastSuccessAt is not null, TimeSpan.FromSeconds(60), "the poll to publish every paper");
        }

        var before = await Store.PapersAsync();

        // When the broker stops for a few seconds
        TimeSpan notReadyAfter, readyAfter;
        StoreProbe.PaperCounts duringOutage;
        var stoppedAt = clock.Elapsed;
        try
        {
            await control.StopAppAsync();
            var stopped = Stopwatch.StartNew();
            var sourceWhenStopped = await SourceAsync(worker, Source);
            Report($"broker stopping at {stoppedAt.TotalSeconds:0.0} s with {before}; stopped at {clock.Elapsed.TotalSeconds:0.0} s with {await Store.PapersAsync()}; " +
                $"the poll had {(sourceWhenStopped.LastSuccessAt is null ? "not yet finished" : "finished")} when stop_app returned");

            // Then the worker is not ready while it is gone
            var status = await Until.ValueAsync(worker.ReadinessAsync, s => s != HttpStatusCode.OK, BrokerLossNoticed, "/health/ready to report the outage");
            notReadyAfter = stopped.Elapsed;
            Report($"/health/ready answered {(status is null ? "nothing" : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture))} {notReadyAfter.TotalSeconds:0.0} s into the outage");
            // The outage's length is the fault being simulated, not a wait for some state.
            await Task.Delay(Outage - notReadyAfter > TimeSpan.Zero ? Outage - notReadyAfter : TimeSpan.Zero, Ct);
            duringOutage = await Store.PapersAsync();
        }
        finally
        {
            await control.StartAppAsync();
        }

        // And ready again within a minute of the broker's return, the same process
        var back = Stopwatch.StartNew();
        await Until.ValueAsync(worker.ReadinessAsync, s => s == HttpStatusCode.OK, RecoveryDeadline, "/health/ready to recover after the broker's return");
        readyAfter = back.Elapsed;
        Assert.True(worker.Running, "the worker exited during the outage");
        Assert.Equal(pid, worker.ProcessId);
        Report($"broker back at {clock.Elapsed.TotalSeconds - readyAfter.TotalSeconds:0.0} s; ready again {readyAfter.TotalSeconds:0.0} s after start_app; store then: {await Store.PapersAsync()} (during the outage: {duringOutage})");

        // And the poll either went through or failed and is polled again: the store converges on every paper once
        var source = await Until.ValueAsync(
            () => SourceAsync(worker, Source),
            s => s.LastSuccessAt is not null || s.LastErrorAt is not null,
            PollTimeout + TimeSpan.FromSeconds(30),
            "the interrupted poll to end");
        Report($"the poll during the outage: {(source.LastSuccessAt is not null ? "succeeded" : $"failed: {source.LastError}")} " +
            $"(checkpoint {source.Checkpoint ?? "none"}, {source.ConsecutiveErrors} consecutive errors)");
        if (source.LastSuccessAt is null)
        {
            // Failed: nothing saved, so polling again publishes all of it again and the store keeps one of each.
            Assert.Null(source.Checkpoint);
            Assert.StartsWith("publishing 10000 papers to the bus", source.LastError, StringComparison.Ordinal);
            await TriggerPollAsync(worker, Source);
            await Until.ValueAsync(() => SourceAsync(worker, Source), s => s.LastSuccessAt is not null, PollTimeout + TimeSpan.FromSeconds(30), "the re-poll to succeed");
            Report($"re-polled at {clock.Elapsed.TotalSeconds:0.0} s");
        }

        var papers = await Until.ValueAsync(
            Store.PapersAsync, p => p.Rows >= PaperCount && p.Unannounced == 0, TimeSpan.FromSeconds(120), "every paper stored and announced");
        Report($"converged at {clock.Elapsed.TotalSeconds:0.0} s: {papers}");
        // What the worker said about it: its polls, and a count of the faults MassTransit logged (one line per message).
        var output = worker.Output;
        Report($"worker log: {output.Count(l => l.Contains(" fail: ", StringComparison.Ordinal))} error lines " +
            $"({output.Count(l => l.Contains("S-FAULT", StringComparison.Ordinal))} S-FAULT: a publish that failed " +
            $"[{string.Join(", ", output.Where(l => l.Contains("S-FAULT", StringComparison.Ordinal)).GroupBy(MessageType).Select(g => $"{g.Count()} {g.Key}"))}]; " +
            $"{output.Count(l => l.Contains("R-FAULT", StringComparison.Ordinal))} R-FAULT: a message that went to _error), " +
            $"{output.Count(l => l.Contains(" warn: ", StringComparison.Ordinal))} warnings");
        // Whether the bus was restarted because its publishing stayed stuck, and when.
        foreach (var line in output.Where(l => l.Contains(nameof(Worker.Messaging.PublishStallWatchdog), StringComparison.Ordinal)))
        {
            Report(line);
        }

        foreach (var line in output.Where(l => l.Contains("SourcePoller", StringComparison.Ordinal) || l.Contains("RabbitMQ.Client", StringComparison.Ordinal) || l.Contains(" warn: ", StringComparison.Ordinal)).Take(16))
        {
            Report(line.Length > 400 ? line[..400] : line);
        }

        await AssertEveryPaperStoredOnceAsync(papers, PaperCount);
        Assert.True(readyAfter <= RecoveryDeadline);
    }

    private static string MessageType(string line)
    {
        const string Contracts = "PaperFeed.Contracts:";
        var at = line.IndexOf(Contracts, StringComparison.Ordinal);
        return at < 0 ? "?" : new string(line[(at + Contracts.Length)..].TakeWhile(char.IsLetter).ToArray());
    }
}
