using System.Diagnostics;
using System.Globalization;
using PaperFeed.ChaosTests.Harness;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Sources.HuggingFace;

namespace PaperFeed.ChaosTests.Scenarios;

/// <summary>
/// A worker that was down while its sources were due: on start, every overdue source is polled within a minute,
/// and a daily source reads every day it missed (as far back as MaxCatchUpDays allows).
/// </summary>
[Trait("Category", "Chaos")]
public sealed class DowntimeCatchUpTests(RabbitMqFixture broker) : ChaosScenario(broker)
{
    private static readonly TimeSpan PollDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AnIntervalSourceStoppedAcrossItsPollsIsPolledSoonAfterTheStart()
    {
        // Given a source polled every 2 s, polled at least once
        Feeds.Serve("/every2s.json", ChaosFeeds.JsonFeed(20), "application/feed+json");
        var settings = await SettingsAsync("interval-catch-up");
        AddFeedSource(settings, 0, "every2s", "/every2s.json", schedule: "2s");
        var worker = await StartWorkerAsync(settings);
        var polled = await Until.ValueAsync(() => SourceAsync(worker, "every2s"), s => s.LastSuccessAt is not null, PollDeadline, "the first poll");

        // When the worker is stopped while several polls fall due
        Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(60)));
        var requestsWhileRunning = Feeds.Requests("/every2s.json");
        await Until.LocalAsync(() => DateTimeOffset.UtcNow, now => now > polled.LastSuccessAt!.Value + TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(30), "three intervals of downtime");
        Assert.Equal(requestsWhileRunning, Feeds.Requests("/every2s.json"));
        await worker.RestartAsync();

        // Then it is polled within a minute of the start
        var started = worker.StartedAt;
        var after = await Until.ValueAsync(
            () => SourceAsync(worker, "every2s"), s => s.LastSuccessAt > started, PollDeadline, "a poll after the restart");
        Report($"polled {(after.LastSuccessAt!.Value - started).TotalSeconds:0.0} s after the process started");
        Assert.True(Feeds.Requests("/every2s.json") > requestsWhileRunning);
        Assert.InRange(after.LastSuccessAt!.Value - started, TimeSpan.Zero, PollDeadline);
    }

    [Fact]
    public async Task ADailySourceDownForDaysIsPolledOnStartAndReadsEveryMissedDayUpToMaxCatchUpDays()
    {
        // Given two Hugging Face daily-papers sources, polled once a day at an hour that is not now, whose last polls
        // were 4 and 20 days ago (MaxCatchUpDays 7 and 3), and a daily-papers server with three papers a day
        var now = DateTimeOffset.UtcNow;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var daily = string.Create(CultureInfo.InvariantCulture, $"0 0 {(now.Hour + 12) % 24} * * ?");
        const string Recent = "hf-recent", Long = "hf-long";
        var paths = new Dictionary<string, (string Path, string Prefix)> { [Recent] = ("/recent/api/daily_papers", "2501"), [Long] = ("/long/api/daily_papers", "2502") };
        foreach (var (path, prefix) in paths.Values)
        {
            for (var date = today.AddDays(-30); date <= today.AddDays(1); date = date.AddDays(1))
            {
                Feeds.Serve(ChaosFeeds.DailyPapersQuery(path, date), ChaosFeeds.DailyPapersPage(ChaosFeeds.DailyIds(prefix, date)), "application/json; charset=utf-8");
            }
        }

        var settings = await SettingsAsync("daily-catch-up");
        var index = 0;
        foreach (var (name, (path, _)) in paths)
        {
            settings[$"PaperFeed:Sources:{index}:Name"] = name;
            settings[$"PaperFeed:Sources:{index}:Type"] = HuggingFaceSource.TypeName;
            settings[$"PaperFeed:Sources:{index}:Url"] = Feeds.Url(path).AbsoluteUri;
            settings[$"PaperFeed:Sources:{index}:Schedule"] = daily;
            settings[$"PaperFeed:Sources:{index}:Enabled"] = "true";
            settings[$"PaperFeed:Sources:{index}:MaxCatchUpDays"] = name == Recent ? "7" : "3";
            index++;
        }

        // A poll on day D leaves "through D-2" behind (the last two days are read again next time).
        await SeedSourceStateAsync(Recent, Checkpoint(today.AddDays(-4 - 2)), now.AddDays(-4));
        await SeedSourceStateAsync(Long, Checkpoint(today.AddDays(-20 - 2)), now.AddDays(-20));

        // When the worker starts
        var worker = await StartWorkerAsync(settings);
        var clock = Stopwatch.StartNew();

        // Then both are polled within a minute, though their schedule would first fire in about 12 hours
        foreach (var name in paths.Keys)
        {
            var source = await Until.ValueAsync(() => SourceAsync(worker, name), s => s.LastSuccessAt > worker.StartedAt, PollDeadline, $"a poll of {name} after the start");
            Assert.True(source.NextPollAt > DateTimeOffset.UtcNow.AddHours(1), $"{name}'s next scheduled poll is {source.NextPollAt}: the schedule itself was due now");
            Report($"{name}: polled {(source.LastSuccessAt!.Value - worker.StartedAt).TotalSeconds:0.0} s after the start ({clock.Elapsed.TotalSeconds:0.0} s after ready); next scheduled poll {source.NextPollAt:u}; checkpoint {source.Checkpoint}");
        }

        // And each read every day since its checkpoint, oldest first, bounded by MaxCatchUpDays
        Assert.Equal(Days(today.AddDays(-5), today).Select(d => ChaosFeeds.DailyPapersQuery(paths[Recent].Path, d)), Requests(paths[Recent].Path));
        Assert.Equal(Days(today.AddDays(-3), today).Select(d => ChaosFeeds.DailyPapersQuery(paths[Long].Path, d)), Requests(paths[Long].Path));

        // And the papers of every day read are stored, and none of the days beyond MaxCatchUpDays
        var read = new[] { (Recent, today.AddDays(-5)), (Long, today.AddDays(-3)) }
            .SelectMany(s => Days(s.Item2, today).SelectMany(d => ChaosFeeds.DailyIds(paths[s.Item1].Prefix, d)))
            .Select(id => "arxiv:" + id)
            .Order(StringComparer.Ordinal)
            .ToList();
        var stored = await Until.ValueAsync(Store.PaperIdsAsync, ids => ids.Count >= read.Count, TimeSpan.FromSeconds(30), "the papers of the days read to be stored");
        Assert.Equal(read, stored);
    }

    private static string Checkpoint(DateOnly through) => new HuggingFaceCheckpoint(HuggingFaceCheckpoint.Format(through)).Write();

    private static IEnumerable<DateOnly> Days(DateOnly from, DateOnly through)
    {
        for (var date = from; date <= through; date = date.AddDays(1))
        {
            yield return date;
        }
    }

    private List<string> Requests(string path) => Feeds.RequestLog.Where(r => r.StartsWith(path + "?", StringComparison.Ordinal)).ToList();
}
