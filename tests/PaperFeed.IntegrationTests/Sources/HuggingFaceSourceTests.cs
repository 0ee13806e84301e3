using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;
using PaperFeed.Worker.Sources.HuggingFace;

namespace PaperFeed.IntegrationTests.Sources;

/// <summary>
/// The <c>huggingface</c> source against a loopback server through the real <see cref="HttpSourceContext"/>:
/// which dates and pages it asks for, how it catches up after downtime, and what it checkpoints.
/// "Now" is fixed at 2024-10-27 09:00 UTC unless a test says otherwise.
/// </summary>
public sealed class HuggingFaceSourceTests : IAsyncLifetime
{
    private const string Api = "/api/daily_papers";
    private static readonly DateTimeOffset Sunday = new(2024, 10, 27, 9, 0, 0, TimeSpan.Zero);

    private readonly HuggingFaceSource _source = new();
    private readonly RecordingLogger _log = new();
    private FeedServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FeedServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task FirstPollReadsYesterdayThenTodayAndCheckpointsTheDayBefore()
    {
        ServePage("2024-10-26", 0, 100, ("2410.10001", 12), ("2410.10002", 7));
        ServePage("2024-10-27", 0, 100, ("2410.10003", 1));

        var result = await FetchAsync(checkpoint: null);

        Assert.Equal([Query("2024-10-26", 0, 100), Query("2024-10-27", 0, 100)], _server.RequestLog);
        Assert.Equal(["2410.10001", "2410.10002", "2410.10003"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal([12, 7, 1], result.Papers.Select(p => p.Metrics.Upvotes));
        Assert.Equal("""{"through":"2024-10-25","fullPages":{"2024-10-26":0,"2024-10-27":0}}""", result.Checkpoint);
    }

    [Fact]
    public async Task PagingStopsAtAShortPageOrAnEmptyOne()
    {
        var options = new Dictionary<string, string> { ["pagesize"] = "2" };
        ServePage("2024-10-26", 0, 2, ("2410.20001", 1), ("2410.20002", 2));
        ServePage("2024-10-26", 1, 2, ("2410.20003", 3));
        ServePage("2024-10-27", 0, 2, ("2410.20004", 4), ("2410.20005", 5));
        ServePage("2024-10-27", 1, 2, ("2410.20006", 6), ("2410.20007", 7));
        ServePage("2024-10-27", 2, 2);

        var result = await FetchAsync(checkpoint: null, options);

        Assert.Equal(
            [Query("2024-10-26", 0, 2), Query("2024-10-26", 1, 2), Query("2024-10-27", 0, 2), Query("2024-10-27", 1, 2), Query("2024-10-27", 2, 2)],
            _server.RequestLog);
        Assert.Equal(["2410.20001", "2410.20002", "2410.20003", "2410.20004", "2410.20005", "2410.20006", "2410.20007"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal("""{"through":"2024-10-25","fullPages":{"2024-10-26":1,"2024-10-27":2}}""", result.Checkpoint);
    }

    [Fact]
    public async Task PagingIsBoundedPerDate()
    {
        var options = new Dictionary<string, string> { ["PageSize"] = "1", ["MaxPagesPerDate"] = "3", ["InitialDays"] = "1" };
        for (var page = 0; page < 6; page++)
        {
            ServePage("2024-10-27", page, 1, ($"2410.3000{page}", page));
        }

        var result = await FetchAsync(checkpoint: null, options);

        Assert.Equal([Query("2024-10-27", 0, 1), Query("2024-10-27", 1, 1), Query("2024-10-27", 2, 1)], _server.RequestLog);
        Assert.Equal(["2410.30000", "2410.30001", "2410.30002"], result.Papers.Select(p => p.ExternalId));
        Assert.Contains("source hf: huggingface: 2024-10-27 still had full pages after 3; the rest is not read (raise MaxPagesPerDate)", _log.Lines);
    }

    [Fact]
    public async Task CatchUpAfterDowntimeReadsEveryMissedDay()
    {
        foreach (var date in (string[])["2024-10-23", "2024-10-24", "2024-10-25", "2024-10-26", "2024-10-27"])
        {
            ServePage(date, 0, 100, ($"2410.4{date[^2..]}00", 1));
        }

        var result = await FetchAsync("""{"through":"2024-10-22"}""");

        Assert.Equal(
            [Query("2024-10-23", 0, 100), Query("2024-10-24", 0, 100), Query("2024-10-25", 0, 100), Query("2024-10-26", 0, 100), Query("2024-10-27", 0, 100)],
            _server.RequestLog);
        Assert.Equal(["2410.42300", "2410.42400", "2410.42500", "2410.42600", "2410.42700"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal("""{"through":"2024-10-25","fullPages":{"2024-10-26":0,"2024-10-27":0}}""", result.Checkpoint);
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public async Task ClockMovedThreeDaysForwardFetchesEachMissedDayExactlyOnce()
    {
        for (var day = 23; day <= 27; day++)
        {
            ServePage($"2024-10-{day}", 0, 100, ($"2410.5{day}00", 1));
        }

        // A poll on Thursday, then the worker is down until Sunday: the clock moves three days forward.
        var thursday = Sunday.AddDays(-3);
        var first = await FetchAsync(null, now: thursday);
        var second = await FetchAsync(first.Checkpoint, now: Sunday);

        var asked = _server.RequestLog.GroupBy(q => q).ToDictionary(g => g.Key, g => g.Count());
        foreach (var missed in (string[])["2024-10-25", "2024-10-26", "2024-10-27"])
        {
            Assert.Equal(1, asked.GetValueOrDefault(Query(missed, 0, 100)));
        }

        Assert.Equal(["2410.52500", "2410.52600", "2410.52700"], second.Papers.Select(p => p.ExternalId).Where(id => string.CompareOrdinal(id, "2410.52500") >= 0));
    }

    [Fact]
    public async Task CatchUpGoesBackAtMostMaxCatchUpDaysAndSaysWhatItSkipped()
    {
        foreach (var date in (string[])["2024-10-24", "2024-10-25", "2024-10-26", "2024-10-27"])
        {
            ServePage(date, 0, 100);
        }

        var result = await FetchAsync("""{"through":"2024-10-15"}""", new Dictionary<string, string> { ["MaxCatchUpDays"] = "3" });

        Assert.Equal([Query("2024-10-24", 0, 100), Query("2024-10-25", 0, 100), Query("2024-10-26", 0, 100), Query("2024-10-27", 0, 100)], _server.RequestLog);
        Assert.Equal(
            ["source hf: huggingface: skipping 8 missed day(s) from 2024-10-16 to 2024-10-23: MaxCatchUpDays is 3 (use backfill for older dates)"],
            _log.Lines);
        Assert.Equal("""{"through":"2024-10-25","fullPages":{"2024-10-26":0,"2024-10-27":0}}""", result.Checkpoint);
        Assert.Empty(result.Papers);
    }

    [Fact]
    public async Task DefaultCatchUpIsSevenDaysBack()
    {
        for (var day = 20; day <= 27; day++)
        {
            ServePage($"2024-10-{day}", 0, 100);
        }

        var result = await FetchAsync("""{"through":"2024-09-30"}""");

        Assert.Equal(8, _server.RequestLog.Count);
        Assert.Equal(Query("2024-10-20", 0, 100), _server.RequestLog[0]);
        Assert.Equal(Query("2024-10-27", 0, 100), _server.RequestLog[^1]);
        Assert.Equal(["source hf: huggingface: skipping 19 missed day(s) from 2024-10-01 to 2024-10-19: MaxCatchUpDays is 7 (use backfill for older dates)"], _log.Lines);
        Assert.Equal("""{"through":"2024-10-25","fullPages":{"2024-10-26":0,"2024-10-27":0}}""", result.Checkpoint);
    }

    [Fact]
    public async Task PaperListedOnTwoDatesIsReportedOnceWithTheNewestMetrics()
    {
        ServePage("2024-10-26", 0, 100, ("2410.50001", 5), ("2410.50002", 30));
        ServePage("2024-10-27", 0, 100, ("2410.50001", 9), ("2410.50003", 2));

        var result = await FetchAsync(checkpoint: null);

        Assert.Equal(["2410.50001", "2410.50002", "2410.50003"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal([9, 30, 2], result.Papers.Select(p => p.Metrics.Upvotes));
    }

    [Fact]
    public async Task NotFoundFailsThePollNamingTheSourceAndTheStatus()
    {
        ServePage("2024-10-26", 0, 100, ("2410.60001", 1));

        var ex = await Assert.ThrowsAsync<SourceException>(() => FetchAsync(checkpoint: null));

        Assert.Equal($"huggingface: GET {_server.Url(Query("2024-10-27", 0, 100))} answered HTTP 404 Not Found", ex.Message);
    }

    [Fact]
    public async Task HtmlServedWithStatus200FailsThePollNamingTheSourceAndTheCause()
    {
        ServePage("2024-10-26", 0, 100);
        _server.Serve(Query("2024-10-27", 0, 100), "<!DOCTYPE html><html><body>Too many requests</body></html>"u8.ToArray(), "text/html; charset=utf-8");

        var ex = await Assert.ThrowsAsync<SourceException>(() => FetchAsync(checkpoint: null));

        Assert.Equal(
            $"huggingface: expected a JSON array of daily papers but got HTML or XML (starts with \"<!DOCTYPE html><html><body>Too many requ…\") (GET {_server.Url(Query("2024-10-27", 0, 100))})",
            ex.Message);
    }

    [Fact]
    public async Task CheckpointAdvancesOnlyThroughDaysAtLeastTwoDaysOld()
    {
        for (var day = 25; day <= 28; day++)
        {
            ServePage($"2024-10-{day}", 0, 100, ($"2410.700{day}", day));
        }

        // Later the same day: still today and yesterday, nothing new is final.
        var sameDay = await FetchAsync("""{"through":"2024-10-25"}""", now: Sunday.AddHours(14));
        Assert.Equal("""{"through":"2024-10-25","fullPages":{"2024-10-26":0,"2024-10-27":0}}""", sameDay.Checkpoint);

        // Just after midnight: the day before yesterday is read once more, now final, and the checkpoint moves onto it.
        var nextDay = await FetchAsync(sameDay.Checkpoint, now: new DateTimeOffset(2024, 10, 28, 0, 5, 0, TimeSpan.Zero));
        Assert.Equal(["2410.70026", "2410.70027", "2410.70028"], nextDay.Papers.Select(p => p.ExternalId));
        Assert.Equal("""{"through":"2024-10-26","fullPages":{"2024-10-27":0,"2024-10-28":0}}""", nextDay.Checkpoint);

        Assert.Equal(
            [Query("2024-10-26", 0, 100), Query("2024-10-27", 0, 100), Query("2024-10-26", 0, 100), Query("2024-10-27", 0, 100), Query("2024-10-28", 0, 100)],
            _server.RequestLog);
    }

    [Fact]
    public async Task UnchangedPagesAnswered304StopWherePagingStoppedLastTime()
    {
        var options = new Dictionary<string, string> { ["PageSize"] = "2" };
        ServePage("2024-10-26", 0, 2, etag: "\"a0\"", items: ("2410.80001", 1));
        ServePage("2024-10-27", 0, 2, etag: "\"b0\"", items: [("2410.80002", 2), ("2410.80003", 3)]);
        ServePage("2024-10-27", 1, 2, etag: "\"b1\"", items: ("2410.80004", 4));
        var first = await FetchAsync(checkpoint: null, options);

        var second = await FetchAsync(first.Checkpoint, options, validators: first.Validators);

        Assert.Equal("""{"through":"2024-10-25","fullPages":{"2024-10-26":0,"2024-10-27":1}}""", first.Checkpoint);
        Assert.Equal(first.Checkpoint, second.Checkpoint);
        Assert.Empty(second.Papers);
        Assert.Equal(1, _server.NotModifiedAnswers(Query("2024-10-26", 0, 2)));
        Assert.Equal(1, _server.NotModifiedAnswers(Query("2024-10-27", 0, 2)));
        Assert.Equal(1, _server.NotModifiedAnswers(Query("2024-10-27", 1, 2)));
        Assert.Equal(6, _server.RequestLog.Count);
        Assert.DoesNotContain(Query("2024-10-27", 2, 2), _server.RequestLog);
    }

    [Fact]
    public async Task UnreadableCheckpointStartsOverWithTheInitialDays()
    {
        ServePage("2024-10-25", 0, 100);
        ServePage("2024-10-26", 0, 100);
        ServePage("2024-10-27", 0, 100);

        var result = await FetchAsync("2024-10-20", new Dictionary<string, string> { ["InitialDays"] = "3" });

        Assert.Equal([Query("2024-10-25", 0, 100), Query("2024-10-26", 0, 100), Query("2024-10-27", 0, 100)], _server.RequestLog);
        Assert.Equal(["source hf: huggingface: checkpoint '2024-10-20' is not {\"through\":\"yyyy-MM-dd\"}; starting over with the last 3 days"], _log.Lines);
        Assert.Equal("""{"through":"2024-10-25","fullPages":{"2024-10-26":0,"2024-10-27":0}}""", result.Checkpoint);
    }

    [Fact]
    public async Task InvalidOptionFailsBeforeAnyRequest()
    {
        var ex = await Assert.ThrowsAsync<SourceException>(() => FetchAsync(checkpoint: null, new Dictionary<string, string> { ["PageSize"] = "lots" }));

        Assert.Equal("huggingface: option PageSize 'lots' is not a whole number from 1 to 1000", ex.Message);
        Assert.Empty(_server.RequestLog);
    }

    [Fact]
    public async Task ReadsTheItemFieldsThroughTheWholeStack()
    {
        _server.Serve(Query("2024-10-26", 0, 100), "[]"u8.ToArray(), "application/json");
        _server.Serve(Query("2024-10-27", 0, 100), Encoding.UTF8.GetBytes("""
            [{"paper":{"id":"2410.90001","authors":[{"name":"Ada Lovelace","hidden":false}],"publishedAt":"2024-10-25T17:00:00.000Z",
              "title":"A Title\n  Wrapped","summary":"Line one\nline two.","upvotes":"many","githubRepo":"https://github.com/ada/engine",
              "githubStars":77,"ai_keywords":["engines"]},"title":"A Title Wrapped","numComments":4}]
            """), "application/json");

        var paper = Assert.Single((await FetchAsync(checkpoint: null)).Papers);

        Assert.Equal("2410.90001", paper.ArxivId);
        Assert.Equal("A Title Wrapped", paper.Title);
        Assert.Equal("Line one line two.", paper.Abstract);
        Assert.Equal(["Ada Lovelace"], paper.Authors);
        Assert.Equal(["engines"], paper.Keywords);
        Assert.Equal(new PaperMetrics { Comments = 4, GithubStars = 77 }, paper.Metrics);
        Assert.Equal("https://github.com/ada/engine", paper.Links.Code);
        Assert.Equal(new DateTimeOffset(2024, 10, 25, 17, 0, 0, TimeSpan.Zero), paper.PublishedAt);
    }

    private static string Query(string date, int page, int limit) => $"{Api}?date={date}&p={page}&limit={limit}";

    private void ServePage(string date, int page, int limit, params (string Id, int Upvotes)[] items) =>
        ServePage(date, page, limit, null, items);

    private void ServePage(string date, int page, int limit, string? etag, params (string Id, int Upvotes)[] items)
    {
        var array = items.Select(i => new
        {
            paper = new { id = i.Id, authors = new[] { new { name = "Ada Lovelace", hidden = false } }, title = $"Paper {i.Id}", summary = "An abstract.", upvotes = i.Upvotes },
            title = $"Paper {i.Id}",
            numComments = 0,
        });
        _server.Serve(Query(date, page, limit), JsonSerializer.SerializeToUtf8Bytes(array), "application/json; charset=utf-8", etag);
    }

    private async Task<Fetched> FetchAsync(
        string? checkpoint,
        Dictionary<string, string>? options = null,
        DateTimeOffset? now = null,
        IReadOnlyDictionary<string, HttpValidators>? validators = null)
    {
        var definition = new SourceDefinition
        {
            Name = "hf",
            Type = HuggingFaceSource.TypeName,
            Url = _server.Url(Api),
            Schedule = "1h",
            Options = new Dictionary<string, string>(options ?? [], StringComparer.OrdinalIgnoreCase),
        };
        using var http = new HttpClient();
        var context = new HttpSourceContext(
            definition,
            validators ?? new Dictionary<string, HttpValidators>(),
            http,
            new SourceHttpOptions(),
            _log,
            new FixedTime(now ?? Sunday));
        var result = await _source.FetchAsync(context, checkpoint, TestContext.Current.CancellationToken);
        return new Fetched(result.Papers, result.Checkpoint, context.LearntValidators);
    }

    private sealed record Fetched(IReadOnlyList<DiscoveredPaper> Papers, string? Checkpoint, IReadOnlyDictionary<string, HttpValidators> Validators);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Keeps what the source writes with <see cref="SourceContext.Log"/>, formatted as the worker logs it.</summary>
    private sealed class RecordingLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => _lines.ToArray();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));
    }
}
