using PaperFeed.ChaosTests.Harness;
using PaperFeed.IntegrationTests.Infrastructure;

namespace PaperFeed.ChaosTests.Scenarios;

/// <summary>
/// SIGKILL in the middle of the stream — papers being stored, announcements matched, webhooks being sent — and a
/// restart: what the broker still holds and the store's durable state must finish the work, each paper stored once
/// and each matching paper notified once.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class WorkerKilledMidStreamTests(RabbitMqFixture broker) : SurveyScenario(broker)
{
    [Fact]
    public async Task AfterASigkillMidStreamEveryPaperIsStoredOnceAndEveryMatchIsNotifiedOnce()
    {
        // Given 5,000 papers, every tenth about quasars, and a webhook subscription to quasars, streaming; when the
        // worker is killed once a tenth of the notifications went out
        var (worker, receiver, clock, polledBeforeKill) = await StartStreamAsync("killed", new Dictionary<string, string?>
        {
            // A claim the killed process held lapses after this (2 min by default), and the delivery is sent again.
            ["PaperFeed:Deliveries:ClaimTimeout"] = "00:00:05",
            ["PaperFeed:Deliveries:SweepAfter"] = "00:00:15",
            // The killed poll's lease lapses after the poll timeout plus a minute; shorter than the default 5 min.
            ["PaperFeed:Polling:PollTimeout"] = "00:00:20",
        });
        await worker.KillAsync();
        var killedAt = clock.Elapsed;
        var atKill = WebhookTally.Of(receiver);
        var storedAtKill = await Store.PapersAsync();
        var statesAtKill = await Store.DeliveryStatesAsync();
        var sendingAtKill = (await Store.DeliveryIdsAsync("Sending")).ToHashSet(StringComparer.Ordinal);
        Report($"killed at {killedAt.TotalSeconds:0.0} s; poll finished before the kill: {polledBeforeKill}; store: {storedAtKill}; " +
            $"deliveries: {PipelineProgress.Describe(statesAtKill)}; receiver: {atKill}");

        // The kill must have cut the stream, or the scenario proves nothing.
        Assert.True(
            storedAtKill.Rows < PaperCount || statesAtKill.GetValueOrDefault("Delivered") < MatchingPapers.Count,
            $"everything was done before the kill ({storedAtKill}, deliveries {PipelineProgress.Describe(statesAtKill)}): the scenario needs a slower stream");

        // And it is started again
        await worker.RestartAsync();
        if (!polledBeforeKill)
        {
            // The poll died before it saved its success: its papers may not all be on the broker. Poll again once the
            // killed process's lease has lapsed (the poll reports "another worker is polling this source" until then).
            await Until.ValueAsync(
                async () =>
                {
                    var source = await SourceAsync(worker, Source);
                    if (source.LastSuccessAt is null)
                    {
                        await TriggerPollAsync(worker, Source);
                    }

                    return source.LastSuccessAt;
                },
                at => at is not null,
                TimeSpan.FromSeconds(120),
                "a poll after the restart (the killed poll's lease lapses after PollTimeout + 1 min)");
            Report($"re-polled after the restart at {clock.Elapsed.TotalSeconds:0.0} s");
        }

        // Then everything is stored and notified, and nothing is left to send
        var (papers, states, tally) = await Until.ValueAsync(
            () => PipelineProgress.ReadAsync(Store, receiver),
            p => p.Finished(PaperCount, MatchingPapers.Count),
            TimeSpan.FromSeconds(120),
            "every paper stored and announced, and every delivery finished");
        Report($"done at {clock.Elapsed.TotalSeconds:0.0} s; store: {papers}; deliveries: {PipelineProgress.Describe(states)}; receiver: {tally}");

        await AssertEveryPaperStoredOnceAsync(papers, PaperCount);
        Assert.Equal(0, papers.Unannounced);

        AssertEveryMatchNotifiedOnce(states, tally);
        Assert.Equal(MatchingPapers.Count, tally.DistinctDeliveries);

        // At least once: a delivery the killed process had sent but not yet marked is sent again, with the same
        // webhook-id. Only those it was sending at the kill may be.
        Report($"webhook-ids received twice: {tally.ResentIds.Count} ({string.Join(", ", tally.ResentIds)}); in flight at the kill: {sendingAtKill.Count}");
        Assert.All(tally.ResentIds, id => Assert.Contains(id, sendingAtKill));
        Assert.All(tally.RequestsById.Values, n => Assert.InRange(n, 1, 2));
    }
}
