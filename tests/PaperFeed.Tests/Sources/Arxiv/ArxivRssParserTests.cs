using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Testing;
using PaperFeed.Worker.Sources.Arxiv;

namespace PaperFeed.Tests.Sources.Arxiv;

/// <summary>The arxiv-rss parser on the recorded quant-ph listing and on small listings in TestData/arxiv.</summary>
public sealed class ArxivRssParserTests
{
    private static readonly DateTimeOffset Monday = new(2025, 4, 28, 0, 0, 0, TimeSpan.FromHours(-4));

    internal static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "arxiv", name));

    private static IReadOnlyList<ArxivAnnouncement> QuantPh() =>
        ArxivRssParser.Parse(File.ReadAllBytes(RealFixtures.File("arxiv-rss", "rss-quant-ph-2025-04-28.xml")));

    private static ArxivAnnouncement ById(IReadOnlyList<ArxivAnnouncement> items, string id) =>
        Assert.Single(items, a => a.Paper.ExternalId == id);

    [Fact]
    public void RealListingHasEveryItemCountedByAnnounceType()
    {
        var items = QuantPh();

        Assert.Equal(81, items.Count);
        var counts = items.GroupBy(a => a.AnnounceType).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["new"] = 40, ["cross"] = 10, ["replace"] = 22, ["replace-cross"] = 9 }, counts);
        Assert.Equal(31, items.Count(a => a.IsReplacement));
        Assert.Equal(10, items.Count(a => a.Paper.Doi is not null));
    }

    [Fact]
    public void RealNewItemHasOnlyTheAbstractTextAndItsIdentity()
    {
        var item = QuantPh()[0];

        Assert.Equal("new", item.AnnounceType);
        var paper = item.Paper;
        Assert.Equal("2504.17830", paper.ExternalId);
        Assert.Equal("2504.17830v1", paper.ArxivId);
        Assert.Equal(1, paper.Version);
        Assert.Equal("Self-Adjoint Time Operator in a Weighted Energy Space", paper.Title);
        Assert.Equal(
            @"We introduce a self-adjoint time operator \(T_w = i\hbar\bigl(\partial_E + \tfrac12\,\partial_E\ln w(E)\bigr)\) on the weighted energy space \(L^2(\mathbb R,\,w(E)\,dE)\). Under mild conditions on the weight \(w\) (positivity, local absolute continuity, and uniform bounds at large \(\lvert E\rvert\)), we prove that \(T_w\) is essentially self-adjoint. A simple unitary conjugation carries \(T_w\) back to \(i\hbar\,\mathrm{d}/\mathrm{d}E\), which in turn leaves the Hamiltonian spectrum unbounded.",
            paper.Abstract);
        Assert.Equal(["Radmir Kokoulin"], paper.Authors);
        Assert.Equal(["quant-ph"], paper.Categories);
        Assert.Null(paper.Doi);
        Assert.Equal(Monday, paper.PublishedAt);
        Assert.Null(paper.UpdatedAt);
        Assert.Equal("https://arxiv.org/abs/2504.17830", paper.Links.Abstract);
        Assert.Equal("https://arxiv.org/pdf/2504.17830", paper.Links.Pdf);
    }

    [Fact]
    public void RealReplacementCarriesTheVersionFromTheGuidAndItsDoi()
    {
        var item = ById(QuantPh(), "2403.13790");

        Assert.Equal("replace", item.AnnounceType);
        var paper = item.Paper;
        Assert.Equal("2403.13790v2", paper.ArxivId);
        Assert.Equal(2, paper.Version);
        Assert.Equal("Probing Hilbert Space Fragmentation with Strongly Interacting Rydberg Atoms", paper.Title);
        Assert.StartsWith("Hilbert space fragmentation provides a mechanism to break ergodicity in closed many-body systems.", paper.Abstract, StringComparison.Ordinal);
        Assert.EndsWith("which can be readily probed in state-of-the-art Rydberg array setups.", paper.Abstract, StringComparison.Ordinal);
        Assert.Equal("10.1103/PhysRevB.111.144313", paper.Doi);
        Assert.Equal(["Fan Yang", "Hadi Yarloo", "Hua-Chen Zhang", "Klaus Mølmer", "Anne E. B. Nielsen"], paper.Authors);
        Assert.Equal(["quant-ph", "cond-mat.quant-gas", "physics.atom-ph"], paper.Categories);

        // The listing's date is when v2 was announced, not when the paper first was.
        Assert.Null(paper.PublishedAt);
        Assert.Equal(Monday, paper.UpdatedAt);
    }

    [Fact]
    public void RealReplaceCrossAndCrossItemsAreReadLikeTheOthers()
    {
        var items = QuantPh();

        var replaceCross = ById(items, "2312.01259");
        Assert.Equal("replace-cross", replaceCross.AnnounceType);
        Assert.Equal(3, replaceCross.Paper.Version);
        Assert.Equal("Topological defect formation in a phase transition with tunable order", replaceCross.Paper.Title);
        Assert.Equal("10.1103/PhysRevLett.132.241601", replaceCross.Paper.Doi);
        Assert.Equal(["Fumika Suzuki", "Wojciech H. Zurek"], replaceCross.Paper.Authors);
        Assert.Equal(["cond-mat.stat-mech", "gr-qc", "hep-ph", "hep-th", "quant-ph"], replaceCross.Paper.Categories);

        var cross = ById(items, "2504.18342");
        Assert.Equal("cross", cross.AnnounceType);
        Assert.Equal(1, cross.Paper.Version);
        Assert.Equal("10.1016/j.ppnp.2025.104174", cross.Paper.Doi);
        Assert.Equal(Monday, cross.Paper.PublishedAt);
        Assert.Equal(["James Daniel Brandenburg", "Spencer R. Klein", "Zhangbu Xu", "Shuai Yang", "Wangmei Zha", "Jian Zhou"], cross.Paper.Authors);
    }

    [Fact]
    public void RealAuthorStringWithCommasInsideAffiliationsGivesOnePersonEach()
    {
        var paper = ById(QuantPh(), "2504.18264").Paper;

        Assert.Equal(["M. R. Nirmal", "Ankit Khandelwal", "Manoj Nambiar", "Sharma S. R. K. C. Yamijala"], paper.Authors);
    }

    [Fact]
    public void RealTexAccentsInNamesBecomeUnicodeAndTitlesKeepTheirTex()
    {
        var items = QuantPh();

        var authors = items.SelectMany(a => a.Paper.Authors).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("Michal Hajdušek", authors);
        Assert.Contains("Søren Stobbe", authors);
        Assert.Contains("Stanisław Świerczewski", authors);
        Assert.Contains("Juan Ramón Muñoz de Nova", authors);
        Assert.Contains("Dorival Gonçalves", authors);
        Assert.Contains("Frédéric Déliot", authors);
        Assert.DoesNotContain(authors, a => a.Contains('\\', StringComparison.Ordinal) || a.Contains('{', StringComparison.Ordinal));
        Assert.Contains(items, a => a.Paper.Title.Contains(@"Cram\'er-Rao", StringComparison.Ordinal));
    }

    [Fact]
    public void RealAbstractKeepsALessThanSignThatLooksLikeMarkup()
    {
        var paper = ById(QuantPh(), "2504.18135").Paper;

        Assert.Contains(@"($0< \delta \ll 1$)", paper.Abstract, StringComparison.Ordinal);
    }

    [Fact]
    public void WeekendListingWithoutItemsIsEmptyNotAnError()
    {
        var items = ArxivRssParser.Parse(Fixture("rss-weekend-empty.xml"));

        Assert.Empty(items);
    }

    [Fact]
    public void ReplacementGetsTheGuidVersionFirstParseableDoiAndCollapsedText()
    {
        var item = ArxivRssParser.Parse(Fixture("rss-replace.xml"))[0];

        Assert.Equal("replace", item.AnnounceType);
        Assert.True(item.IsReplacement);
        var paper = item.Paper;
        Assert.Equal("2405.12345", paper.ExternalId);
        Assert.Equal("2405.12345v3", paper.ArxivId);
        Assert.Equal(3, paper.Version);
        Assert.Equal("Sparse Retrieval Revisited", paper.Title);
        Assert.Equal(@"We revisit sparse retrieval: $0<\alpha<1$ and the <b> tags stay text.", paper.Abstract);
        Assert.Equal("10.18653/v1/2024.acl-long.1", paper.Doi);
        Assert.Equal(["cs.CL", "cs.IR"], paper.Categories);
        Assert.Null(paper.PublishedAt);
        Assert.Equal(new DateTimeOffset(2025, 4, 29, 0, 0, 0, TimeSpan.FromHours(-4)), paper.UpdatedAt);
    }

    [Fact]
    public void AuthorsAreSplitAtCommasAndAndWithoutTheirAffiliations()
    {
        var items = ArxivRssParser.Parse(Fixture("rss-replace.xml"));

        Assert.Equal(["José García", "Klaus Mølmer", "Ada Lovelace", "Charles Babbage"], items[0].Paper.Authors);
        Assert.Equal(["A. Author", "B. Author", "C. Author"], items[1].Paper.Authors);
    }

    [Fact]
    public void OldStyleIdentifierIsReadFromTheGuid()
    {
        var item = ArxivRssParser.Parse(Fixture("rss-replace.xml"))[1];

        Assert.Equal("cross", item.AnnounceType);
        Assert.Equal("hep-th/9901001", item.Paper.ExternalId);
        Assert.Equal("hep-th/9901001v1", item.Paper.ArxivId);
        Assert.Equal(1, item.Paper.Version);
        Assert.Equal("https://arxiv.org/pdf/hep-th/9901001", item.Paper.Links.Pdf);
        Assert.Equal("Old identifiers still appear.", item.Paper.Abstract);
    }

    [Fact]
    public void AtomListingIsReadLikeTheRssOne()
    {
        var items = ArxivRssParser.Parse(Fixture("atom-listing.xml"));

        Assert.Equal(["new", "replace-cross"], items.Select(a => a.AnnounceType));
        var first = items[0].Paper;
        Assert.Equal("2504.20001", first.ExternalId);
        Assert.Equal("2504.20001v1", first.ArxivId);
        Assert.Equal("Agents That Plan", first.Title);
        Assert.Equal("Agents plan.", first.Abstract);
        Assert.Equal(["Grace Hopper", "Alan Turing"], first.Authors);
        Assert.Equal(["cs.AI", "cs.LG"], first.Categories);
        Assert.Equal(new DateTimeOffset(2025, 4, 28, 0, 0, 0, TimeSpan.FromHours(-4)), first.PublishedAt);
        Assert.Equal("https://arxiv.org/abs/2504.20001", first.Links.Abstract);

        var second = items[1].Paper;
        Assert.Equal(2, second.Version);
        Assert.Equal("10.1000/agents.2", second.Doi);
        Assert.Equal(["Edsger W. Dijkstra", "Barbara Liskov"], second.Authors);
        Assert.Null(second.PublishedAt);
    }

    [Fact]
    public void ParsePapersGivesThePapersInListingOrder()
    {
        var papers = ArxivRssParser.ParsePapers(Fixture("rss-replace.xml"));

        Assert.Equal(["2405.12345", "hep-th/9901001"], papers.Select(p => p.ExternalId));
    }

    [Theory]
    [InlineData("", "arxiv-rss: the response body is empty")]
    [InlineData("<rss version=\"2.0\"><channel><item><title>cut", "arxiv-rss: malformed XML")]
    [InlineData("<html><body>Service unavailable</body></html>", "arxiv-rss: expected <rss> or <feed> as the document root but found <html>")]
    [InlineData("{\"items\":[]}", "arxiv-rss: the response is not XML")]
    public void UnreadableListingIsASourceExceptionSayingWhy(string body, string expected)
    {
        var ex = Assert.Throws<SourceException>(() => ArxivRssParser.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DtdEntitiesAreNeverExpanded()
    {
        const string body = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">]>
            <rss version="2.0"><channel><item><title>&a;</title><guid>oai:arXiv.org:2504.00001v1</guid></item></channel></rss>
            """;

        var ex = Assert.Throws<SourceException>(() => ArxivRssParser.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Contains("Reference to undeclared entity 'a'", ex.Message, StringComparison.Ordinal);
    }
}
