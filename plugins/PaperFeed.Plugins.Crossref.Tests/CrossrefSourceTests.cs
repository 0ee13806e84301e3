using System.Reflection;
using PaperFeed.Contracts;

namespace PaperFeed.Plugins.Crossref.Tests;

/// <summary>How the source asks (URLs, options) and what it remembers between polls (the checkpoint).</summary>
public sealed class CrossrefSourceTests
{
    private const string TwoWorks = """
        {"status":"ok","message-type":"work-list","message":{"items":[
          {"indexed":{"date-time":"2026-11-20T08:15:00Z"},"DOI":"10.5555/one","title":["One"]},
          {"indexed":{"date-time":"2026-11-26T23:59:59Z"},"DOI":"10.5555/two","title":["Two"]}
        ]}}
        """;

    private const string Empty = """{"status":"ok","message-type":"work-list","message":{"items":[]}}""";

    private const string OldWork = """
        {"status":"ok","message-type":"work-list","message":{"items":[
          {"indexed":{"date-time":"2026-11-26T08:00:00Z"},"DOI":"10.5555/old","title":["Old"]}
        ]}}
        """;

    private static readonly CrossrefSource Source = new();

    private static Dictionary<string, string> Options(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    [Fact]
    public async Task FirstPollAsksWithoutFromIndexDateAndCheckpointsTheNewestIndexedTime()
    {
        var context = new FakeSourceContext(Options(("Query", "large language models")), null, FakeSourceContext.Json(TwoWorks));

        var result = await Source.FetchAsync(context, null, TestContext.Current.CancellationToken);

        var uri = Assert.Single(context.Requested);
        Assert.Equal("https://api.crossref.org/works?query=large%20language%20models&sort=published&order=desc&rows=50", uri.AbsoluteUri);
        Assert.Equal(["10.5555/one", "10.5555/two"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal("2026-11-26T23:59:59Z", result.Checkpoint);
    }

    [Fact]
    public async Task SecondPollAsksFromTheCheckpointsDate()
    {
        var context = new FakeSourceContext(Options(("Query", "ecology")), null, FakeSourceContext.Json(TwoWorks), FakeSourceContext.Json(Empty));

        var first = await Source.FetchAsync(context, null, TestContext.Current.CancellationToken);
        var second = await Source.FetchAsync(context, first.Checkpoint, TestContext.Current.CancellationToken);

        Assert.Equal(2, context.Requested.Count);
        Assert.Equal("https://api.crossref.org/works?query=ecology&sort=published&order=desc&rows=50&filter=from-index-date%3A2026-11-26", context.Requested[1].AbsoluteUri);
        Assert.Empty(second.Papers);
        Assert.Equal("2026-11-26T23:59:59Z", second.Checkpoint); // nothing new: unchanged
    }

    [Fact]
    public async Task FilterAndMailtoArePercentEncodedAfterTheDateFilter()
    {
        var context = new FakeSourceContext(
            Options(("query", "graph neural networks"), ("filter", "type:journal-article,has-abstract:true"), ("MAILTO", "me+feeds@example.org"), ("Rows", "1000")),
            null,
            FakeSourceContext.Json(Empty));

        await Source.FetchAsync(context, "2026-03-11T23:54:25Z", TestContext.Current.CancellationToken);

        Assert.Equal(
            "https://api.crossref.org/works?query=graph%20neural%20networks&sort=published&order=desc&rows=1000"
            + "&filter=from-index-date%3A2026-03-11%2Ctype%3Ajournal-article%2Chas-abstract%3Atrue&mailto=me%2Bfeeds%40example.org",
            Assert.Single(context.Requested).AbsoluteUri);
    }

    [Fact]
    public async Task FilterAloneIsSentOnTheFirstPoll()
    {
        var context = new FakeSourceContext(Options(("Query", "x"), ("Filter", "type:journal-article")), null, FakeSourceContext.Json(Empty));

        var result = await Source.FetchAsync(context, null, TestContext.Current.CancellationToken);

        Assert.Equal("https://api.crossref.org/works?query=x&sort=published&order=desc&rows=50&filter=type%3Ajournal-article", Assert.Single(context.Requested).AbsoluteUri);
        Assert.Null(result.Checkpoint); // nothing seen yet
    }

    [Fact]
    public async Task TheSourcesUrlReplacesTheBaseAndKeepsItsOwnQuery()
    {
        var context = new FakeSourceContext(Options(("Query", "x")), new Uri("http://localhost:8089/works?select=DOI,title"), FakeSourceContext.Json(Empty));

        await Source.FetchAsync(context, null, TestContext.Current.CancellationToken);

        Assert.Equal("http://localhost:8089/works?select=DOI,title&query=x&sort=published&order=desc&rows=50", Assert.Single(context.Requested).AbsoluteUri);
    }

    [Fact]
    public async Task OlderWorksDoNotMoveTheCheckpointBack()
    {
        var context = new FakeSourceContext(Options(("Query", "x")), null, FakeSourceContext.Json(OldWork));

        var result = await Source.FetchAsync(context, "2026-11-26T12:00:00Z", TestContext.Current.CancellationToken);

        Assert.Equal("10.5555/old", Assert.Single(result.Papers).Doi); // a duplicate from the checkpoint's day: passed on, deduplicated downstream
        Assert.Equal("2026-11-26T12:00:00Z", result.Checkpoint);
    }

    [Fact]
    public async Task NotModifiedKeepsTheCheckpoint()
    {
        var context = new FakeSourceContext(Options(("Query", "x")), null, FakeSourceContext.NotModified());

        var result = await Source.FetchAsync(context, "2026-11-26T12:00:00Z", TestContext.Current.CancellationToken);

        Assert.Empty(result.Papers);
        Assert.Equal("2026-11-26T12:00:00Z", result.Checkpoint);
    }

    [Fact]
    public async Task AnUnreadableCheckpointIsLoggedAndReplaced()
    {
        var context = new FakeSourceContext(Options(("Query", "x")), null, FakeSourceContext.Json(TwoWorks));

        var result = await Source.FetchAsync(context, "yesterday-ish", TestContext.Current.CancellationToken);

        Assert.Equal("https://api.crossref.org/works?query=x&sort=published&order=desc&rows=50", Assert.Single(context.Requested).AbsoluteUri);
        Assert.Equal("crossref: ignoring unreadable checkpoint 'yesterday-ish'; asking without from-index-date", Assert.Single(context.Logged));
        Assert.Equal("2026-11-26T23:59:59Z", result.Checkpoint);
    }

    [Fact]
    public async Task SkippedWorksAreLogged()
    {
        const string body = """{"status":"ok","message-type":"work-list","message":{"items":[{"DOI":"10.1/a"},{"title":["t"]}]}}""";
        var context = new FakeSourceContext(Options(("Query", "x")), null, FakeSourceContext.Json(body));

        var result = await Source.FetchAsync(context, null, TestContext.Current.CancellationToken);

        Assert.Empty(result.Papers);
        Assert.Equal("crossref: skipped 2 work(s) without a DOI or a title", Assert.Single(context.Logged));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task MissingQueryIsRefusedNamingTheOption(string? query)
    {
        var options = query is null ? Options(("Rows", "10")) : Options(("Query", query));
        var context = new FakeSourceContext(options);

        var error = await Assert.ThrowsAsync<SourceException>(() => Source.FetchAsync(context, null, TestContext.Current.CancellationToken));

        Assert.Equal("crossref: source 'crossref-test' needs the option Query (the search terms, e.g. Query=large language models)", error.Message);
        Assert.Empty(context.Requested);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("-5")]
    [InlineData("fifty")]
    public async Task RowsOutsideCrossrefsRangeIsRefused(string rows)
    {
        var context = new FakeSourceContext(Options(("Query", "x"), ("Rows", rows)));

        var error = await Assert.ThrowsAsync<SourceException>(() => Source.FetchAsync(context, null, TestContext.Current.CancellationToken));

        Assert.Equal($"crossref: source 'crossref-test' has Rows={rows}; use a whole number from 1 to 1000", error.Message);
        Assert.Empty(context.Requested);
    }

    [Fact]
    public async Task AnErrorBodyFailsThePoll()
    {
        var context = new FakeSourceContext(Options(("Query", "x")), null, FakeSourceContext.Json("""{"status":"failed","message":[{"type":"x","message":"Bad sort"}]}"""));

        var error = await Assert.ThrowsAsync<SourceException>(() => Source.FetchAsync(context, "2026-11-26T12:00:00Z", TestContext.Current.CancellationToken));

        Assert.Equal("crossref: the API answered status 'failed': Bad sort", error.Message);
    }

    [Fact]
    public void IsALoadablePlugInNamedCrossref()
    {
        // What the host's loader does: find public IPaperSource types and create them with no arguments.
        var assembly = typeof(CrossrefSource).Assembly;
        var types = assembly.GetExportedTypes().Where(t => typeof(IPaperSource).IsAssignableFrom(t) && t is { IsAbstract: false }).ToList();

        var type = Assert.Single(types);
        var source = (IPaperSource)Activator.CreateInstance(type)!;
        Assert.Equal("crossref", source.Type);
    }

    [Fact]
    public void ReferencesNothingButContractsAndTheRuntime()
    {
        var references = typeof(CrossrefSource).Assembly.GetReferencedAssemblies().Select(a => a.Name!).Order(StringComparer.Ordinal).ToList();

        Assert.Contains("PaperFeed.Contracts", references);
        Assert.All(references, name => Assert.True(
            name == "PaperFeed.Contracts" || name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard",
            $"unexpected reference {name}"));
    }
}
