using System.Text;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Testing;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;
using PaperFeed.Worker.Sources.Arxiv;

namespace PaperFeed.IntegrationTests.Sources;

/// <summary>The arxiv-rss source against a loopback server through the real <see cref="HttpSourceContext"/>.</summary>
public sealed class ArxivRssSourceTests : IAsyncLifetime
{
    private const string Path = "/rss/quant-ph";

    private readonly ArxivRssSource _source = new();
    private FeedServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FeedServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ListingIsFetchedAndUnchangedListingIsA304()
    {
        // Given the recorded quant-ph listing served with an ETag
        _server.Serve(Path, File.ReadAllBytes(RealFixtures.File("arxiv-rss", "rss-quant-ph-2025-04-28.xml")), "application/rss+xml; charset=utf-8", etag: "\"quant-ph-2025-04-28\"");

        // When it is polled twice, the second time with what the first poll learnt
        var firstContext = Context(new Dictionary<string, HttpValidators>());
        var first = await _source.FetchAsync(firstContext, null, TestContext.Current.CancellationToken);
        var second = await _source.FetchAsync(Context(firstContext.LearntValidators), "kept", TestContext.Current.CancellationToken);

        // Then the first poll has all 81 announcements and the second is a 304 that changes nothing
        Assert.Equal(81, first.Papers.Count);
        Assert.Null(first.Checkpoint);
        Assert.Equal("2504.17830", first.Papers[0].ExternalId);
        Assert.Equal(31, first.Papers.Count(p => p.PublishedAt is null && p.UpdatedAt is not null));
        Assert.Empty(second.Papers);
        Assert.Equal("kept", second.Checkpoint);
        Assert.Equal(1, _server.NotModifiedAnswers(Path));
        Assert.Equal(2, _server.Requests(Path));
    }

    [Fact]
    public async Task WeekendListingWithoutItemsIsAnEmptyPoll()
    {
        _server.Serve(Path, Encoding.UTF8.GetBytes("""
            <?xml version='1.0' encoding='UTF-8'?>
            <rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
              <channel>
                <title>quant-ph updates on arXiv.org</title>
                <link>http://rss.arxiv.org/rss/quant-ph</link>
                <description>quant-ph updates on the arXiv.org e-print archive.</description>
                <skipDays><day>Saturday</day><day>Sunday</day></skipDays>
              </channel>
            </rss>
            """));

        var result = await _source.FetchAsync(Context(new Dictionary<string, HttpValidators>()), null, TestContext.Current.CancellationToken);

        Assert.Empty(result.Papers);
        Assert.Null(result.Checkpoint);
    }

    [Fact]
    public async Task AtomListingIsReadToo()
    {
        _server.Serve("/atom/cs.AI", Encoding.UTF8.GetBytes("""
            <?xml version='1.0' encoding='UTF-8'?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
              <id>http://rss.arxiv.org/atom/cs.AI</id>
              <title>cs.AI updates on arXiv.org</title>
              <updated>2025-04-28T04:00:00Z</updated>
              <entry>
                <id>oai:arXiv.org:2401.00002v2</id>
                <title>Agents That Plan Again</title>
                <updated>2025-04-28T00:00:00-04:00</updated>
                <link href="https://arxiv.org/abs/2401.00002" rel="alternate" type="text/html"/>
                <summary>arXiv:2401.00002v2 Announce Type: replace
            Abstract: Agents plan twice.</summary>
                <category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>
                <published>2025-04-28T00:00:00-04:00</published>
                <arxiv:announce_type>replace</arxiv:announce_type>
                <author><name>Grace Hopper</name></author>
              </entry>
            </feed>
            """), "application/atom+xml; charset=utf-8");

        var result = await _source.FetchAsync(Context(new Dictionary<string, HttpValidators>(), _server.Url("/atom/cs.AI")), null, TestContext.Current.CancellationToken);

        var paper = Assert.Single(result.Papers);
        Assert.Equal("2401.00002", paper.ExternalId);
        Assert.Equal(2, paper.Version);
        Assert.Equal("Agents plan twice.", paper.Abstract);
        Assert.Equal(["Grace Hopper"], paper.Authors);
    }

    [Theory]
    [InlineData(503, "HTTP 503")]
    [InlineData(404, "HTTP 404")]
    public async Task HttpErrorIsASourceException(int status, string expected)
    {
        _server.Fail(Path, status);

        var ex = await Assert.ThrowsAnyAsync<SourceException>(() => _source.FetchAsync(Context(new Dictionary<string, HttpValidators>()), null, TestContext.Current.CancellationToken));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HtmlErrorPageWithStatus200IsASourceException()
    {
        _server.Serve(Path, "<!DOCTYPE html><html><body>Maintenance</body></html>"u8.ToArray(), "text/html");

        var ex = await Assert.ThrowsAsync<SourceException>(() => _source.FetchAsync(Context(new Dictionary<string, HttpValidators>()), null, TestContext.Current.CancellationToken));

        Assert.StartsWith("arxiv-rss: expected <rss> or <feed> as the document root but found <html>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SourceWithoutUrlSaysWhatToSet()
    {
        var context = new HttpSourceContext(
            new SourceDefinition { Name = "no-url", Type = "arxiv-rss", Schedule = "1h" },
            new Dictionary<string, HttpValidators>(), new HttpClient(), new SourceHttpOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var ex = await Assert.ThrowsAsync<SourceException>(() => _source.FetchAsync(context, null, TestContext.Current.CancellationToken));

        Assert.Equal("arxiv-rss: source 'no-url' has no Url; set it to a listing such as https://rss.arxiv.org/rss/cs.AI+cs.LG", ex.Message);
    }

    private HttpSourceContext Context(IReadOnlyDictionary<string, HttpValidators> validators, Uri? url = null) =>
        new(
            new SourceDefinition { Name = "arxiv-rss-test", Type = "arxiv-rss", Url = url ?? _server.Url(Path), Schedule = "1h" },
            validators,
            new HttpClient(),
            new SourceHttpOptions(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
}
