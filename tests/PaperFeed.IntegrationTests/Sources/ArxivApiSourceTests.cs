using System.Globalization;
using System.Security;
using System.Text;
using Microsoft.Extensions.Logging;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Testing;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;
using PaperFeed.Worker.Sources.Arxiv;

namespace PaperFeed.IntegrationTests.Sources;

/// <summary>
/// The arxiv-api source against a loopback server through the real <see cref="HttpSourceContext"/>: which pages
/// it asks for, where it stops, what checkpoint it leaves, and how arXiv's errors surface.
/// </summary>
public sealed class ArxivApiSourceTests : IAsyncLifetime
{
    private const string Path = "/api/query";
    private static readonly DateTimeOffset T0 = new(2026, 4, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly ArxivApiSource _source = new();
    private FeedServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FeedServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static string Route(string query, int start, int count) =>
        $"{Path}?search_query={query}&sortBy=submittedDate&sortOrder=descending&start={start}&max_results={count}";

    [Fact]
    public async Task FirstPollPagesThroughRealPagesAndStopsAtMaxResults()
    {
        // Given the two recorded pages of "all:testing", ten entries each
        _server.Serve(Route("all%3Atesting", 0, 10), File.ReadAllBytes(RealFixtures.File("arxiv-api", "2026-search-all_testing-start0-max10.xml")), "application/atom+xml; charset=utf-8");
        _server.Serve(Route("all%3Atesting", 10, 10), File.ReadAllBytes(RealFixtures.File("arxiv-api", "2026-search-all_testing-start10-max10.xml")), "application/atom+xml; charset=utf-8");
        var context = Context(new() { ["SearchQuery"] = "all:testing", ["PageSize"] = "10", ["MaxResults"] = "20" });

        // When the source polls for the first time
        var result = await _source.FetchAsync(context, null, TestContext.Current.CancellationToken);

        // Then it asked for exactly the two pages, returned their twenty papers in order, and checkpoints the newest
        Assert.Equal([Route("all%3Atesting", 0, 10), Route("all%3Atesting", 10, 10)], _server.RequestLog);
        Assert.Equal(20, result.Papers.Count);
        Assert.Equal("2202.12139", result.Papers[0].ExternalId);
        Assert.Equal("2403.16981", result.Papers[10].ExternalId);
        Assert.Equal("2202.06271", result.Papers[19].ExternalId);
        Assert.Equal("2025-03-07T12:39:59Z 2503.05378", result.Checkpoint);
    }

    [Fact]
    public async Task PagingStopsAtAShortPage()
    {
        _server.Serve(Route("cat%3Acs.CL", 0, 3), Page(total: 5, start: 0, Entry("2604.00010", T0), Entry("2604.00009", T0.AddMinutes(-1)), Entry("2604.00008", T0.AddMinutes(-2))));
        _server.Serve(Route("cat%3Acs.CL", 3, 3), Page(total: 5, start: 3, Entry("2604.00007", T0.AddMinutes(-3)), Entry("2604.00006", T0.AddMinutes(-4))));

        var result = await _source.FetchAsync(Context(new() { ["SearchQuery"] = "cat:cs.CL", ["PageSize"] = "3" }), null, TestContext.Current.CancellationToken);

        Assert.Equal(["2604.00010", "2604.00009", "2604.00008", "2604.00007", "2604.00006"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal(2, _server.RequestLog.Count);
        Assert.Equal("2026-04-10T12:00:00Z 2604.00010", result.Checkpoint);
    }

    [Fact]
    public async Task SecondPollStopsAtTheCheckpointAndReturnsOnlyNewerPapers()
    {
        // Given a first poll that saw 2604.00010 as the newest
        var options = new Dictionary<string, string> { ["SearchQuery"] = "cat:cs.CL", ["PageSize"] = "3" };
        _server.Serve(Route("cat%3Acs.CL", 0, 3), Page(total: 3, start: 0, Entry("2604.00010", T0), Entry("2604.00009", T0.AddMinutes(-1)), Entry("2604.00008", T0.AddMinutes(-2))));
        var first = await _source.FetchAsync(Context(options), null, TestContext.Current.CancellationToken);
        Assert.Equal("2026-04-10T12:00:00Z 2604.00010", first.Checkpoint);

        // When two papers were submitted since, and a second page exists that must not be fetched
        _server.Serve(Route("cat%3Acs.CL", 0, 3), Page(total: 6, start: 0, Entry("2604.00012", T0.AddMinutes(2)), Entry("2604.00011", T0.AddMinutes(1)), Entry("2604.00010", T0)));
        _server.Serve(Route("cat%3Acs.CL", 3, 3), Page(total: 6, start: 3, Entry("2604.00009", T0.AddMinutes(-1))));
        var second = await _source.FetchAsync(Context(options), first.Checkpoint, TestContext.Current.CancellationToken);

        // Then only the two new papers come back, from one request, and the checkpoint moves to the newest
        Assert.Equal(["2604.00012", "2604.00011"], second.Papers.Select(p => p.ExternalId));
        Assert.Equal([Route("cat%3Acs.CL", 0, 3), Route("cat%3Acs.CL", 0, 3)], _server.RequestLog);
        Assert.Equal("2026-04-10T12:02:00Z 2604.00012", second.Checkpoint);
    }

    [Fact]
    public async Task PaperSubmittedInTheCheckpointsSecondButNotSeenIsStillNew()
    {
        _server.Serve(Route("cat%3Acs.CL", 0, 3), Page(total: 3, start: 0, Entry("2604.00011", T0), Entry("2604.00010", T0), Entry("2604.00009", T0.AddMinutes(-1))));

        var result = await _source.FetchAsync(Context(new() { ["SearchQuery"] = "cat:cs.CL", ["PageSize"] = "3" }), "2026-04-10T12:00:00Z 2604.00010", TestContext.Current.CancellationToken);

        Assert.Equal(["2604.00011"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal("2026-04-10T12:00:00Z 2604.00010 2604.00011", result.Checkpoint);
    }

    [Fact]
    public async Task PollStopsAtMaxResultsAndSaysThatPapersInBetweenAreSkipped()
    {
        // Given seven papers newer than the checkpoint, and MaxResults 4 with pages of 3
        _server.Serve(Route("cat%3Acs.CL", 0, 3), Page(total: 7, start: 0, Entry("2604.00017", T0.AddMinutes(7)), Entry("2604.00016", T0.AddMinutes(6)), Entry("2604.00015", T0.AddMinutes(5))));
        _server.Serve(Route("cat%3Acs.CL", 3, 1), Page(total: 7, start: 3, Entry("2604.00014", T0.AddMinutes(4))));
        var log = new ListLogger();

        var result = await _source.FetchAsync(
            Context(new() { ["SearchQuery"] = "cat:cs.CL", ["PageSize"] = "3", ["MaxResults"] = "4" }, log),
            "2026-04-10T12:00:00Z 2604.00010",
            TestContext.Current.CancellationToken);

        // Then the last request asks only for what is left of MaxResults, and the gap is logged
        Assert.Equal([Route("cat%3Acs.CL", 0, 3), Route("cat%3Acs.CL", 3, 1)], _server.RequestLog);
        Assert.Equal(["2604.00017", "2604.00016", "2604.00015", "2604.00014"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal("2026-04-10T12:07:00Z 2604.00017", result.Checkpoint);
        Assert.Contains(log.Messages, m => m.Contains("stopped at MaxResults=4", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ZeroResultsKeepTheCheckpoint()
    {
        _server.Serve(Route("ti%3Anothing", 0, 100), File.ReadAllBytes(RealFixtures.File("arxiv-api", "2026-id_list-0000.0000-zero-results.xml")));

        var result = await _source.FetchAsync(Context(new() { ["SearchQuery"] = "ti:nothing" }), "2026-04-10T12:00:00Z 2604.00010", TestContext.Current.CancellationToken);

        Assert.Empty(result.Papers);
        Assert.Equal("2026-04-10T12:00:00Z 2604.00010", result.Checkpoint);
        Assert.Equal([Route("ti%3Anothing", 0, 100)], _server.RequestLog);
    }

    [Fact]
    public async Task Http400WithArxivsErrorEntrySaysWhatArxivRejected()
    {
        // The recorded answer to id_list=abc: HTTP 400 with an Atom "Error" entry
        _server.Fail(Path, 400, File.ReadAllBytes(RealFixtures.File("arxiv-api", "2026-error-http400-incorrect-id-format.xml")), "application/atom+xml");

        var ex = await Assert.ThrowsAsync<SourceException>(() =>
            _source.FetchAsync(Context(new() { ["SearchQuery"] = "cat:cs.CL AND (" }), null, TestContext.Current.CancellationToken));

        Assert.StartsWith("arxiv-api: arXiv rejected the query (HTTP 400): incorrect id format for abc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http400FromArxivIsASourceExceptionNamingTheStatus()
    {
        _server.Fail(Path, 400);

        var ex = await Assert.ThrowsAnyAsync<SourceException>(() =>
            _source.FetchAsync(Context(new() { ["SearchQuery"] = "cat:cs.CL AND (" }), null, TestContext.Current.CancellationToken));

        Assert.Contains("HTTP 400", ex.Message, StringComparison.Ordinal);
        Assert.Single(_server.RequestLog);
    }

    [Fact]
    public async Task ErrorEntryServedWithHttp200IsArxivRejectingTheQuery()
    {
        // The recorded HTTP 400 body, served as a 200 as older deployments of the API did
        _server.Serve(Path, File.ReadAllBytes(RealFixtures.File("arxiv-api", "2026-error-http400-incorrect-id-format.xml")), "application/atom+xml");

        var ex = await Assert.ThrowsAsync<SourceException>(() =>
            _source.FetchAsync(Context(new() { ["SearchQuery"] = "id:abc" }), null, TestContext.Current.CancellationToken));

        Assert.StartsWith("arxiv-api: arXiv rejected the query: incorrect id format for abc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedPageFailsThePollInsteadOfLookingShort()
    {
        var whole = Encoding.UTF8.GetString(Page(total: 2, start: 0, Entry("2604.00002", T0), Entry("2604.00001", T0.AddMinutes(-1))));
        _server.Serve(Path, Encoding.UTF8.GetBytes(whole[..(whole.Length / 2)]), "application/atom+xml");

        var ex = await Assert.ThrowsAsync<SourceException>(() =>
            _source.FetchAsync(Context(new() { ["SearchQuery"] = "cat:cs.CL" }), null, TestContext.Current.CancellationToken));

        Assert.StartsWith("arxiv-api: malformed XML", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, null, "has no SearchQuery; set the SearchQuery option")]
    [InlineData("  ", null, null, "has no SearchQuery; set the SearchQuery option")]
    [InlineData("cat:cs.CL", "5000", null, "PageSize '5000' is not a whole number from 1 to 2000")]
    [InlineData("cat:cs.CL", "ten", null, "PageSize 'ten' is not a whole number from 1 to 2000")]
    [InlineData("cat:cs.CL", null, "0", "MaxResults '0' is not a whole number from 1 to 30000")]
    public async Task BadOptionsFailBeforeAnyRequest(string? searchQuery, string? pageSize, string? maxResults, string expected)
    {
        var options = new Dictionary<string, string>();
        if (searchQuery is not null)
        {
            options["SearchQuery"] = searchQuery;
        }

        if (pageSize is not null)
        {
            options["PageSize"] = pageSize;
        }

        if (maxResults is not null)
        {
            options["MaxResults"] = maxResults;
        }

        var ex = await Assert.ThrowsAsync<SourceException>(() => _source.FetchAsync(Context(options), null, TestContext.Current.CancellationToken));

        Assert.StartsWith("arxiv-api: source 'arxiv-test'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Empty(_server.RequestLog);
    }

    [Fact]
    public async Task UrlWithAQueryStringIsRefused()
    {
        var context = Context(new() { ["SearchQuery"] = "cat:cs.CL" }, url: _server.Url(Path + "?search_query=cat:cs.CL"));

        var ex = await Assert.ThrowsAsync<SourceException>(() => _source.FetchAsync(context, null, TestContext.Current.CancellationToken));

        Assert.Contains("has a query string; set Url to the endpoint alone", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_server.RequestLog);
    }

    private HttpSourceContext Context(Dictionary<string, string> options, ILogger? logger = null, Uri? url = null) =>
        new(
            new SourceDefinition
            {
                Name = "arxiv-test",
                Type = "arxiv-api",
                Url = url ?? _server.Url(Path),
                Schedule = "1h",
                Options = new Dictionary<string, string>(options, StringComparer.OrdinalIgnoreCase),
            },
            new Dictionary<string, HttpValidators>(),
            new HttpClient(),
            new SourceHttpOptions(),
            logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    private static (string Id, DateTimeOffset Published) Entry(string id, DateTimeOffset published) => (id, published);

    /// <summary>An API response in the current format with one entry per paper.</summary>
    private static byte[] Page(int total, int start, params (string Id, DateTimeOffset Published)[] entries)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"""
            <?xml version='1.0' encoding='UTF-8'?>
            <feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
              <id>https://arxiv.org/api/test</id>
              <title>arXiv Query: test</title>
              <updated>2026-04-12T22:09:27Z</updated>
              <opensearch:itemsPerPage>{entries.Length}</opensearch:itemsPerPage>
              <opensearch:totalResults>{total}</opensearch:totalResults>
              <opensearch:startIndex>{start}</opensearch:startIndex>

            """);
        foreach (var (id, published) in entries)
        {
            var when = published.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"""
                  <entry>
                    <id>http://arxiv.org/abs/{SecurityElement.Escape(id)}v1</id>
                    <title>Paper {SecurityElement.Escape(id)}</title>
                    <updated>{when}</updated>
                    <link href="https://arxiv.org/abs/{id}v1" rel="alternate" type="text/html"/>
                    <link href="https://arxiv.org/pdf/{id}v1" rel="related" type="application/pdf" title="pdf"/>
                    <summary>Abstract of {SecurityElement.Escape(id)}.</summary>
                    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
                    <published>{when}</published>
                    <arxiv:primary_category term="cs.CL"/>
                    <author>
                      <name>Ada Lovelace</name>
                    </author>
                  </entry>

                """);
        }

        sb.Append("</feed>\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Keeps what the source logs through its context.</summary>
    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_messages)
            {
                _messages.Add(formatter(state, exception));
            }
        }
    }
}
