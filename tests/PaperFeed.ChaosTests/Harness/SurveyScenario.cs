using System.Diagnostics;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Notifications.Webhooks;

namespace PaperFeed.ChaosTests.Harness;

/// <summary>
/// The stream the kill and shutdown scenarios cut: <see cref="PaperCount"/> papers from the feed source
/// <see cref="Source"/>, every tenth about quasars, and a webhook subscription to quasars.
/// </summary>
public abstract class SurveyScenario(RabbitMqFixture broker) : ChaosScenario(broker)
{
    protected const int PaperCount = 5_000;
    protected const string Source = "survey";

    protected static readonly IReadOnlyList<string> MatchingPapers =
        Enumerable.Range(1, PaperCount).Where(ChaosFeeds.Matches).Select(ChaosFeeds.PaperId).ToList();

    /// <summary>A worker, its webhook receiver and a clock started with its poll; <see cref="PollFinished"/>: whether the poll had saved its success by then.</summary>
    protected sealed record Stream(WorkerProcess Worker, WebhookReceiver Receiver, Stopwatch Clock, bool PollFinished);

    /// <summary>
    /// Starts a worker with the scenario's settings and <paramref name="extra"/> on top, polls the survey, and returns
    /// once the first tenth of the notifications arrived: the stream is under way, storing, matching and sending.
    /// </summary>
    protected async Task<Stream> StartStreamAsync(string vhostHint, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var secret = WebhookSignature.GenerateSecret();
        var receiver = Own(await WebhookReceiver.StartAsync(secret));
        Feeds.Serve("/survey.json", ChaosFeeds.JsonFeed(PaperCount), "application/feed+json");
        var settings = await SettingsAsync(vhostHint);
        AddFeedSource(settings, 0, Source, "/survey.json");
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        await SeedWebhookSubscriptionAsync(receiver.Url("/hook"), secret, ChaosFeeds.Keyword);
        var worker = await StartWorkerAsync(settings);
        var clock = Stopwatch.StartNew();
        await TriggerPollAsync(worker, Source);
        await Until.LocalAsync(() => receiver.Received.Count, n => n >= MatchingPapers.Count / 10, TimeSpan.FromSeconds(90), "the first notifications");
        var pollFinished = (await SourceAsync(worker, Source)).LastSuccessAt is not null;
        return new Stream(worker, receiver, clock, pollFinished);
    }

    /// <summary>Every matching paper has exactly one delivery, delivered, and the receiver verified a request for each.</summary>
    protected static void AssertEveryMatchNotifiedOnce(IReadOnlyDictionary<string, long> states, WebhookTally tally)
    {
        Assert.Equal(new Dictionary<string, long> { ["Delivered"] = MatchingPapers.Count }, states);
        Assert.Equal(0, tally.Unverified);
        Assert.Equal(MatchingPapers.Order(StringComparer.Ordinal), tally.IdsByPaper.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(tally.PapersNotifiedTwice);
    }
}
