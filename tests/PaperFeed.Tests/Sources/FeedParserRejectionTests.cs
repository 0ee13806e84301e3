using System.Diagnostics;
using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Worker.Sources.Feed;
using Xunit;
using static PaperFeed.Tests.Sources.FeedParserFixtureTests;

namespace PaperFeed.Tests.Sources;

/// <summary>What the feed parser refuses: unsafe XML, malformed input and things that are not feeds.</summary>
public sealed class FeedParserRejectionTests
{
    [Fact]
    public void BillionLaughsIsRejectedWithoutExpansion()
    {
        var watch = Stopwatch.StartNew();

        var ex = Assert.Throws<FeedParseException>(() => FeedParser.Parse(Fixture("billion-laughs.xml")));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.StartsWith("feed: malformed XML at line 18, position ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lol9'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DTD entities are never expanded", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("lollol", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalEntityIsRejectedWithoutReadingTheFile()
    {
        var ex = Assert.Throws<FeedParseException>(() => FeedParser.Parse(Fixture("external-entity.xml")));

        Assert.StartsWith("feed: malformed XML at line 9, position ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'xxe'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<SourceException>(ex);
    }

    [Fact]
    public void MalformedXmlSaysWhere()
    {
        var ex = Assert.Throws<FeedParseException>(() => FeedParser.Parse(Fixture("malformed.xml")));

        Assert.StartsWith("feed: malformed XML at line 6, position ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("titel", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJsonSaysWhere()
    {
        var ex = Assert.Throws<FeedParseException>(() => FeedParser.Parse(Fixture("malformed.json")));

        Assert.StartsWith("feed: malformed JSON at line 6, byte ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedJsonIsRejected()
    {
        var body = Encoding.UTF8.GetBytes("""{"version":"https://jsonfeed.org/version/1.1","items":""" + new string('[', 10_000) + new string(']', 10_000) + "}");

        var ex = Assert.Throws<FeedParseException>(() => FeedParser.Parse(body));

        Assert.StartsWith("feed: malformed JSON at line 1, byte ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("depth", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \r\n\t ")]
    [InlineData("\uFEFF")]
    public void EmptyBodyIsRejected(string body)
    {
        var ex = Assert.Throws<FeedParseException>(() => FeedParser.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("feed: the body is empty", ex.Message);
    }

    [Fact]
    public void HtmlPageIsNotAFeed()
    {
        var ex = Assert.Throws<FeedParseException>(() => FeedParser.Parse(Fixture("not-a-feed.html")));

        Assert.Equal("feed: unable to detect feed format (expected RSS, Atom or JSON Feed)", ex.Message);
    }

    [Theory]
    [InlineData("<opml version=\"2.0\"><body/></opml>")]
    [InlineData("<feed><entry><title>Atom without its namespace</title></entry></feed>")]
    [InlineData("{\"title\":\"JSON, but not a JSON Feed\",\"items\":[]}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("just some text")]
    public void UnknownFormatIsRejected(string body)
    {
        var ex = Assert.Throws<FeedParseException>(() => FeedParser.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("feed: unable to detect feed format (expected RSS, Atom or JSON Feed)", ex.Message);
    }

    [Fact]
    public void WrongJsonTypesAreIgnoredRatherThanThrown()
    {
        var body = """{"version":"https://jsonfeed.org/version/1","items":[42,{"id":{"x":1},"title":["no"],"url":"https://example.org/a","authors":"nobody","tags":"x"}]}"""u8;

        var paper = Single(body);

        Assert.Equal("https://example.org/a", paper.ExternalId);
        Assert.Equal("https://example.org/a", paper.Title);
        Assert.Empty(paper.Authors);
        Assert.Empty(paper.Categories);
    }
}
