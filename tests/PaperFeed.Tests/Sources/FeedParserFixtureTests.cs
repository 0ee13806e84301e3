using System.Security.Cryptography;
using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Sources.Feed;
using Xunit;

namespace PaperFeed.Tests.Sources;

/// <summary>The feed parser on small hand-written feeds in TestData/feeds.</summary>
public sealed class FeedParserFixtureTests
{
    internal static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "feeds", name));

    [Fact]
    public void Rss2ItemLinkingAnArxivAbsPageIsRecognised()
    {
        var papers = FeedParser.Parse(Fixture("rss2-arxiv-links.xml"));

        var paper = papers[0];
        Assert.Equal("https://arxiv.org/abs/2405.12345v2", paper.ExternalId);
        Assert.Equal("https://arxiv.org/abs/2405.12345v2", paper.ArxivId);
        Assert.True(PaperIdentity.TryParseArxiv(paper.ArxivId, out var id));
        Assert.Equal(new ArxivId("2405.12345", 2), id);
        Assert.Null(paper.Version);
        Assert.Equal(2, PaperIdentity.VersionOf(paper));
        Assert.Equal("https://arxiv.org/abs/2405.12345v2", paper.Links.Abstract);
        Assert.Equal("https://arxiv.org/pdf/2405.12345v2", paper.Links.Pdf);
    }

    [Fact]
    public void Rss2TitleAndDescriptionBecomeOneLinePlainText()
    {
        var paper = FeedParser.Parse(Fixture("rss2-arxiv-links.xml"))[0];

        Assert.Equal("Sparse Attention & Friends", paper.Title);
        Assert.Equal("We study sparse attention.", paper.Abstract);
    }

    [Fact]
    public void Rss2KeepsEachDcCreatorWholeAndReadsCategoriesAndNamedZones()
    {
        var paper = FeedParser.Parse(Fixture("rss2-arxiv-links.xml"))[0];

        Assert.Equal(["Doe, Jane", "Richard Roe"], paper.Authors);
        Assert.Equal(["cs.CL", "cs.LG"], paper.Categories);
        Assert.Equal(new DateTimeOffset(2024, 5, 21, 20, 0, 0, TimeSpan.FromHours(-4)), paper.PublishedAt);
    }

    [Fact]
    public void Rss2RelativeLinksResolveAgainstTheChannelLinkWithoutABaseUri()
    {
        var paper = FeedParser.Parse(Fixture("rss2-arxiv-links.xml"))[1];

        Assert.Equal("paper-42", paper.ExternalId);
        Assert.Equal("https://papers.example.org/papers/42", paper.Links.Abstract);
        Assert.Equal("https://papers.example.org/files/paper-42.pdf", paper.Links.Pdf);
        Assert.Null(paper.PublishedAt);
    }

    [Fact]
    public void Rss2RelativeLinksResolveAgainstTheGivenBaseUri()
    {
        var paper = FeedParser.Parse(Fixture("rss2-arxiv-links.xml"), baseUri: new Uri("https://feeds.example.net/sub/rss.xml"))[1];

        Assert.Equal("https://feeds.example.net/papers/42", paper.Links.Abstract);
        Assert.Equal("https://feeds.example.net/sub/files/paper-42.pdf", paper.Links.Pdf);
    }

    [Fact]
    public void Rss2ItemWithOnlyATitleIsIdentifiedByTheTitleHashAndAnEmptyItemIsSkipped()
    {
        var papers = FeedParser.Parse(Fixture("rss2-arxiv-links.xml"));

        Assert.Equal(3, papers.Count);
        var expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("No guid and no link")));
        Assert.Equal(expected, papers[2].ExternalId);
        Assert.Equal("No guid and no link", papers[2].Title);
        Assert.Null(papers[2].Links.Abstract);
    }

    [Fact]
    public void AtomEntryWithArxivDataCiteDoiInDcIdentifierGivesDoiAndArxivId()
    {
        var paper = FeedParser.Parse(Fixture("atom-doi.xml"))[0];

        Assert.Equal("urn:example:entry-1", paper.ExternalId);
        Assert.Equal("10.48550/arxiv.2405.12345", paper.Doi);
        Assert.Equal("10.48550/arXiv.2405.12345", paper.ArxivId);
        Assert.Contains("arxiv:2405.12345", PaperIdentity.KeysOf(paper));
    }

    [Fact]
    public void AtomResolvesXmlBaseInheritsFeedAuthorAndPrefersSummary()
    {
        var paper = FeedParser.Parse(Fixture("atom-doi.xml"))[0];

        Assert.Equal("On Sparse Attention", paper.Title);
        Assert.Equal("The short summary.", paper.Abstract);
        Assert.Equal("https://journal.example.org/issues/7/article-1", paper.Links.Abstract);
        Assert.Equal("https://journal.example.org/issues/7/article-1.pdf", paper.Links.Pdf);
        Assert.Equal(["Feed Editor"], paper.Authors);
        Assert.Equal(new DateTimeOffset(2024, 5, 21, 18, 0, 0, TimeSpan.FromHours(-4)), paper.PublishedAt);
        Assert.Equal(new DateTimeOffset(2024, 5, 22, 0, 0, 0, TimeSpan.Zero), paper.UpdatedAt);
    }

    [Fact]
    public void AtomArxivApiEntryGivesArxivIdDoiPdfAuthorsAndXhtmlContent()
    {
        var paper = FeedParser.Parse(Fixture("atom-doi.xml"))[1];

        Assert.Equal("http://arxiv.org/abs/hep-ph/0612105v2", paper.ArxivId);
        Assert.Equal("10.1103/physrevd.76.013009", paper.Doi);
        Assert.Equal("http://arxiv.org/pdf/hep-ph/0612105v2", paper.Links.Pdf);
        Assert.Equal("http://arxiv.org/abs/hep-ph/0612105v2", paper.Links.Abstract);
        Assert.Equal(["A. Author", "B. Author"], paper.Authors);
        Assert.Equal(["hep-ph"], paper.Categories);
        Assert.Equal("Only xhtml content.", paper.Abstract);
    }

    [Fact]
    public void AtomPrismDoiGivenAsDoiOrgUrlIsNormalised()
    {
        var paper = FeedParser.Parse(Fixture("atom-doi.xml"))[2];

        Assert.Equal("10.1000/abc.123", paper.Doi);
        Assert.Null(paper.ArxivId);
        Assert.Null(paper.Links.Abstract);
    }

    [Fact]
    public void Rss091WithNetscapeDoctypeIsRead()
    {
        var paper = Assert.Single(FeedParser.Parse(Fixture("rss091-doctype.xml")));

        Assert.Equal("First old item", paper.Title);
        Assert.Equal("http://old.example.org/1", paper.ExternalId);
        Assert.Equal("Old but readable.", paper.Abstract);
    }

    [Fact]
    public void FeedWithoutItemsGivesAnEmptyList()
    {
        Assert.Empty(FeedParser.Parse("<rss version=\"2.0\"><channel><title>t</title></channel></rss>"u8));
        Assert.Empty(FeedParser.Parse("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>"u8));
        Assert.Empty(FeedParser.Parse("""{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[]}"""u8));
    }

    [Fact]
    public void JsonFeedReadsTagsAttachmentsAndRelativeUrls()
    {
        var json = """
            {"version":"https://jsonfeed.org/version/1.1","home_page_url":"https://blog.example.org/",
             "items":[{"id":7,"url":"posts/7","title":"Seven","summary":"<p>Short &amp; sweet</p>","content_html":"<p>Long</p>",
                       "tags":["cs.AI","ml"],"external_url":"https://arxiv.org/abs/2401.00001",
                       "attachments":[{"url":"https://blog.example.org/7.bin","mime_type":"application/pdf"}],
                       "date_published":"2024-01-02T03:04:05Z","authors":[{"name":"Ada Lovelace"}]}]}
            """u8;

        var paper = Assert.Single(FeedParser.Parse(json));

        Assert.Equal("7", paper.ExternalId);
        Assert.Equal("https://blog.example.org/posts/7", paper.Links.Abstract);
        Assert.Equal("Short & sweet", paper.Abstract);
        Assert.Equal(["cs.AI", "ml"], paper.Categories);
        Assert.Equal("https://arxiv.org/abs/2401.00001", paper.ArxivId);
        Assert.Equal("https://blog.example.org/7.bin", paper.Links.Pdf);
        Assert.Equal(["Ada Lovelace"], paper.Authors);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), paper.PublishedAt);
    }

    internal static DiscoveredPaper Single(ReadOnlySpan<byte> body, string? contentType = null) =>
        Assert.Single(FeedParser.Parse(body, contentType));
}
