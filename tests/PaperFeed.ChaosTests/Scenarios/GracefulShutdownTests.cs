using System.Diagnostics;
using PaperFeed.ChaosTests.Harness;
using PaperFeed.IntegrationTests.Infrastructure;

namespace PaperFeed.ChaosTests.Scenarios;

/// <summary>
/// SIGTERM with a backlog on the broker, as systemd or Kubernetes stop the service: the worker finishes what it
/// has in hand and exits 0 within the host's shutdown timeout; the next start drains the rest, nothing twice.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class GracefulShutdownTests(RabbitMqFixture broker) : SurveyScenario(broker)
{
    // PaperFeedApp's HostOptions.ShutdownTimeout: the host gives up on its services after this.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task SigtermDuringABacklogExitsZeroAndTheNextStartDrainsItWithoutDuplicates()
    {
        // Given 5,000 papers, every tenth about quasars, a webhook subscription to quasars, and a poll under way
        var (worker, receiver, clock, polledBeforeStop) = await StartStreamAsync("graceful");

        // When it is sent SIGTERM
        var stopping = Stopwatch.StartNew();
        var exitCode = await worker.StopAsync(ShutdownTimeout + TimeSpan.FromSeconds(15));
        var stopTook = stopping.Elapsed;
        var atStop = WebhookTally.Of(receiver);
        var storedAtStop = await Store.PapersAsync();
        var statesAtStop = await Store.DeliveryStatesAsync();
        Report($"SIGTERM at {clock.Elapsed.TotalSeconds - stopTook.TotalSeconds:0.0} s, exited {exitCode} after {stopTook.TotalSeconds:0.0} s; " +
            $"poll finished before: {polledBeforeStop}; store: {storedAtStop}; deliveries: {PipelineProgress.Describe(statesAtStop)}; receiver: {atStop}");

        // Then it exited 0 in time, leaving no claim behind, with work left over
        Assert.Equal(0, exitCode);
        Assert.True(stopTook < ShutdownTimeout, $"stopping took {stopTook}, longer than the shutdown timeout {ShutdownTimeout}");
        Assert.Equal(0, statesAtStop.GetValueOrDefault("Sending"));
        Assert.True(
            storedAtStop.Rows < PaperCount || statesAtStop.GetValueOrDefault("Delivered") < MatchingPapers.Count,
            $"everything was done before SIGTERM ({storedAtStop}, deliveries {PipelineProgress.Describe(statesAtStop)}): the scenario needs a slower stream");

        // And the next start drains the backlog, each paper stored once and each match notified once
        await worker.RestartAsync();
        if (!polledBeforeStop)
        {
            // A poll cut short by the shutdown saved no success (nor its lease: it was released); poll again.
            await TriggerPollAsync(worker, Source);
        }

        var (papers, states, tally) = await Until.ValueAsync(
            () => PipelineProgress.ReadAsync(Store, receiver),
            p => p.Finished(PaperCount, MatchingPapers.Count),
            TimeSpan.FromSeconds(120),
            "the backlog to drain");
        Report($"drained at {clock.Elapsed.TotalSeconds:0.0} s; store: {papers}; deliveries: {PipelineProgress.Describe(states)}; receiver: {tally}");

        await AssertEveryPaperStoredOnceAsync(papers, PaperCount);
        AssertEveryMatchNotifiedOnce(states, tally);

        // A graceful stop sends nothing twice: what was in hand was finished and recorded before the exit.
        Assert.Empty(tally.ResentIds);
        Assert.Equal(MatchingPapers.Count, tally.Requests);
    }
}
