using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using Xunit;

namespace PaperFeed.Tests.Papers;

public sealed class PaperIdentityTests
{
    [Theory]
    // New-style ids, with and without version.
    [InlineData("2405.12345", "2405.12345", null)]
    [InlineData("2405.12345v2", "2405.12345", 2)]
    [InlineData("0704.0001", "0704.0001", null)]
    [InlineData("1401.2122v12", "1401.2122", 12)]
    [InlineData("  2405.12345v3  ", "2405.12345", 3)]
    // Old-style ids; the subject class is not part of the id.
    [InlineData("hep-th/9901001", "hep-th/9901001", null)]
    [InlineData("hep-th/9901001v2", "hep-th/9901001", 2)]
    [InlineData("math.GT/0309136", "math/0309136", null)]
    [InlineData("math.GT/0309136v1", "math/0309136", 1)]
    [InlineData("cond-mat/0412498", "cond-mat/0412498", null)]
    [InlineData("Cond-Mat/0412498", "cond-mat/0412498", null)]
    // Abstract, PDF and HTML pages on arxiv.org and export.arxiv.org.
    [InlineData("https://arxiv.org/abs/2405.12345", "2405.12345", null)]
    [InlineData("http://arxiv.org/abs/2405.12345v2", "2405.12345", 2)]
    [InlineData("https://arxiv.org/abs/2405.12345v2/", "2405.12345", 2)]
    [InlineData("https://arxiv.org/pdf/2405.12345v2", "2405.12345", 2)]
    [InlineData("https://arxiv.org/pdf/2405.12345v2.pdf", "2405.12345", 2)]
    [InlineData("http://export.arxiv.org/abs/2405.12345v1", "2405.12345", 1)]
    [InlineData("https://export.arxiv.org/pdf/2405.12345.pdf", "2405.12345", null)]
    [InlineData("https://www.arxiv.org/abs/2405.12345", "2405.12345", null)]
    [InlineData("https://arxiv.org/html/2405.12345v1", "2405.12345", 1)]
    [InlineData("https://arxiv.org/abs/2405.12345?context=cs", "2405.12345", null)]
    [InlineData("https://arxiv.org/abs/math.GT/0309136", "math/0309136", null)]
    [InlineData("http://arxiv.org/pdf/hep-th/9901001v3.pdf", "hep-th/9901001", 3)]
    [InlineData("arxiv.org/abs/2405.12345", "2405.12345", null)]
    // OAI guids and arXiv: prefixes.
    [InlineData("oai:arXiv.org:2405.12345", "2405.12345", null)]
    [InlineData("oai:arXiv.org:2405.12345v4", "2405.12345", 4)]
    [InlineData("oai:arXiv.org:hep-th/9901001", "hep-th/9901001", null)]
    [InlineData("arXiv:2405.12345", "2405.12345", null)]
    [InlineData("arXiv:2405.12345v2", "2405.12345", 2)]
    [InlineData("ARXIV:hep-th/9901001", "hep-th/9901001", null)]
    // DataCite DOIs arXiv mints: bare, with doi: and as doi.org URLs.
    [InlineData("10.48550/arXiv.2405.12345", "2405.12345", null)]
    [InlineData("10.48550/ARXIV.2405.12345", "2405.12345", null)]
    [InlineData("doi:10.48550/arXiv.2405.12345", "2405.12345", null)]
    [InlineData("https://doi.org/10.48550/arXiv.2405.12345", "2405.12345", null)]
    [InlineData("http://dx.doi.org/10.48550/arXiv.hep-th/9901001", "hep-th/9901001", null)]
    // Forms found in the recorded payloads (../shared/fixtures/real).
    [InlineData("oai:arXiv.org:2504.17830v1", "2504.17830", 1)] // arxiv-rss guid
    [InlineData("https://arxiv.org/abs/2504.17830", "2504.17830", null)] // arxiv-rss link
    [InlineData("http://arxiv.org/abs/cond-mat/0412498v1", "cond-mat/0412498", 1)] // arxiv-api legacy entry id
    [InlineData("http://arxiv.org/pdf/cond-mat/0603029v1", "cond-mat/0603029", 1)] // arxiv-api legacy pdf link
    [InlineData("http://arxiv.org/abs/1111.2011v2", "1111.2011", 2)] // arxiv-api legacy id_list
    [InlineData("http://arxiv.org/abs/astro-ph/0601001v1", "astro-ph/0601001", 1)] // arxiv-api 2026 old style
    [InlineData("oai:arXiv.org:1401.2122", "1401.2122", null)] // arxiv-oai header identifier
    [InlineData("http://arxiv.org/abs/2401.14034", "2401.14034", null)] // arxiv-oai dc:identifier
    [InlineData("2410.18693", "2410.18693", null)] // huggingface paper.id
    [InlineData("arXiv:2112.14988v4", "2112.14988", 4)] // arxiv-rss description
    public void TryParseArxivReadsEveryKnownForm(string input, string expectedId, int? expectedVersion)
    {
        Assert.True(PaperIdentity.TryParseArxiv(input, out var id));
        Assert.Equal(expectedId, id.Id);
        Assert.Equal(expectedVersion, id.Version);
        Assert.Equal("arxiv:" + expectedId, id.Key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("1234")]
    [InlineData("2405.123")]
    [InlineData("2405.1234567")]
    [InlineData("https://example.com/abs/2405.12345")]
    [InlineData("https://notarxiv.org/abs/2405.12345")]
    [InlineData("https://arxiv.org/list/cs.CL/recent")]
    [InlineData("http://rss.arxiv.org/rss/quant-ph")]
    [InlineData("https://arxiv.org/")]
    [InlineData("10.1103/PhysRevB.71.184511")]
    [InlineData("https://doi.org/10.1103/PhysRevB.71.184511")]
    [InlineData("hep-th/990100")]
    [InlineData("oai:arXiv.org:")]
    [InlineData("https://arxiv.org/api/errors#incorrect_id_format_for_abc")]
    public void TryParseArxivRejectsWhatIsNotAnArxivId(string? input)
    {
        Assert.False(PaperIdentity.TryParseArxiv(input, out _));
    }

    [Theory]
    [InlineData("10.1000/xyz123", "10.1000/xyz123")]
    [InlineData("10.1103/PhysRevB.71.184511", "10.1103/physrevb.71.184511")]
    [InlineData("doi:10.1103/PhysRevB.71.184511", "10.1103/physrevb.71.184511")]
    [InlineData("DOI:10.1103/PhysRevB.71.184511", "10.1103/physrevb.71.184511")]
    [InlineData("info:doi/10.1000/xyz123", "10.1000/xyz123")]
    [InlineData("https://doi.org/10.1103/PhysRevB.71.184511", "10.1103/physrevb.71.184511")] // arxiv-api legacy link
    [InlineData("http://dx.doi.org/10.1016/j.aop.2008.08.003", "10.1016/j.aop.2008.08.003")] // arxiv-api legacy link
    [InlineData("https://DOI.ORG/10.1016/J.AOP.2008.08.003", "10.1016/j.aop.2008.08.003")]
    [InlineData("https://www.doi.org/10.1000/xyz123", "10.1000/xyz123")]
    [InlineData("https://doi.org/10.1000%2Fxyz123", "10.1000/xyz123")]
    [InlineData("https://doi.org/10.1002/%28SICI%291097-4547%2819960215%2943%3A4", "10.1002/(sici)1097-4547(19960215)43:4")]
    [InlineData("10.1002/(SICI)1097-4547(19960215)43:4", "10.1002/(sici)1097-4547(19960215)43:4")] // crossref
    [InlineData("10.1016/j.jpeds.2018.08.009", "10.1016/j.jpeds.2018.08.009")] // feeds rss10 prism
    [InlineData("10.2139/ssrn.2250500", "10.2139/ssrn.2250500")] // semanticscholar
    [InlineData(" 10.1000/xyz123. ", "10.1000/xyz123")]
    [InlineData("10.48550/arXiv.2405.12345", "10.48550/arxiv.2405.12345")]
    public void TryParseDoiReadsEveryKnownForm(string input, string expected)
    {
        Assert.True(PaperIdentity.TryParseDoi(input, out var doi));
        Assert.Equal(expected, doi);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1234")]
    [InlineData("10.12/too-short-registrant")]
    [InlineData("https://example.com/10.1000/xyz123")]
    [InlineData("https://doi.org/")]
    [InlineData("2405.12345")]
    [InlineData("doi:")]
    public void TryParseDoiRejectsWhatIsNotADoi(string? input)
    {
        Assert.False(PaperIdentity.TryParseDoi(input, out _));
    }

    [Theory]
    [InlineData("arxiv:2405.12345", "arxiv:2405.12345")]
    [InlineData("arXiv:2405.12345v3", "arxiv:2405.12345")]
    [InlineData("2405.12345v3", "arxiv:2405.12345")]
    [InlineData("https://arxiv.org/abs/2405.12345v2", "arxiv:2405.12345")]
    [InlineData("10.48550/arXiv.2405.12345", "arxiv:2405.12345")]
    [InlineData("https://doi.org/10.48550/arXiv.2405.12345", "arxiv:2405.12345")]
    [InlineData("doi:10.1103/PhysRevB.71.184511", "doi:10.1103/physrevb.71.184511")]
    [InlineData("https://dx.doi.org/10.1103/PhysRevB.71.184511", "doi:10.1103/physrevb.71.184511")]
    [InlineData("10.1103/PhysRevB.71.184511", "doi:10.1103/physrevb.71.184511")]
    [InlineData("title:ABCDEF0123", "title:abcdef0123")]
    public void LookupKeyResolvesWhatAUserTypes(string input, string expected)
    {
        Assert.Equal(expected, PaperIdentity.LookupKey(input));
    }

    [Theory]
    [InlineData("https://example.com/abs/2405.12345")]
    [InlineData("1234")]
    [InlineData("")]
    [InlineData("attention is all you need")]
    public void LookupKeyIsNullForAnythingElse(string input)
    {
        Assert.Null(PaperIdentity.LookupKey(input));
    }

    [Theory]
    [InlineData("Attention Is All You Need", "attention is all you need")]
    [InlineData("Attention Is All You Need", "Attention is all you need.")]
    [InlineData("Attention Is All You Need", "  Attention   Is\tAll You\nNeed  ")]
    [InlineData("Attention Is All You Need", "Attention-Is-All-You-Need!")]
    [InlineData("Déjà vu in Schrödinger's équations", "Deja vu in Schrodingers equations")]
    [InlineData("ﬁnite ﬁelds", "finite fields")] // NFKD folds the ligature
    [InlineData("Ｗｉｄｅ text", "Wide text")] // full-width forms
    public void TitleKeyIgnoresCasePunctuationDiacriticsAndWhitespace(string a, string b)
    {
        Assert.Equal(PaperIdentity.TitleKey(a, "Ashish Vaswani"), PaperIdentity.TitleKey(b, "Ashish Vaswani"));
    }

    [Theory]
    [InlineData("Ashish Vaswani", "Vaswani, Ashish")]
    [InlineData("Ashish Vaswani", "A. Vaswani")]
    [InlineData("Ashish Vaswani", "VASWANI, A.")]
    [InlineData("Erwin Schrödinger", "Schrodinger, Erwin")]
    public void TitleKeyIsTheSameForEitherNameOrder(string a, string b)
    {
        Assert.Equal(PaperIdentity.TitleKey("Some Title", a), PaperIdentity.TitleKey("Some Title", b));
    }

    [Fact]
    public void TitleKeyDiffersWhenTheFirstAuthorDiffers()
    {
        var vaswani = PaperIdentity.TitleKey("Attention Is All You Need", "Ashish Vaswani");
        var shazeer = PaperIdentity.TitleKey("Attention Is All You Need", "Noam Shazeer");
        var none = PaperIdentity.TitleKey("Attention Is All You Need", null);

        Assert.NotEqual(vaswani, shazeer);
        Assert.NotEqual(vaswani, none);
        Assert.StartsWith("title:", vaswani, StringComparison.Ordinal);
        Assert.Equal(6 + 32, vaswani.Length);
    }

    [Fact]
    public void TitleKeyDiffersWhenTheTitleDiffers()
    {
        Assert.NotEqual(PaperIdentity.TitleKey("Attention Is All You Need", "Vaswani"), PaperIdentity.TitleKey("Attention Is Not All You Need", "Vaswani"));
    }

    [Theory]
    [InlineData("Vaswani, Ashish", "Vaswani")]
    [InlineData("Ashish Vaswani", "Vaswani")]
    [InlineData("Ashish  N.  Vaswani", "Vaswani")]
    [InlineData("Ashish\u00A0Vaswani", "Vaswani")] // no-break space from HTML
    [InlineData("Ashish\n      Vaswani", "Vaswani")] // line break from wrapped XML
    [InlineData("Ashish\tVaswani", "Vaswani")]
    [InlineData("Vaswani", "Vaswani")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void FamilyNameTakesTheFamilyPart(string? author, string expected)
    {
        Assert.Equal(expected, PaperIdentity.FamilyName(author));
    }

    [Fact]
    public void KeysOfListsArxivThenDoiThenTitle()
    {
        var paper = new DiscoveredPaper
        {
            ExternalId = "x",
            Title = "A Paper",
            Authors = ["Jane Doe"],
            ArxivId = "https://arxiv.org/abs/2405.12345v2",
            Doi = "https://doi.org/10.1103/PhysRevB.71.184511",
        };

        var keys = PaperIdentity.KeysOf(paper);

        Assert.Equal(["arxiv:2405.12345", "doi:10.1103/physrevb.71.184511", PaperIdentity.TitleKey("A Paper", "Jane Doe")], keys);
        Assert.Equal("arxiv:2405.12345", PaperIdentity.Canonical(keys));
        Assert.Equal(2, PaperIdentity.VersionOf(paper));
    }

    [Fact]
    public void KeysOfTurnsTheArxivDataCiteDoiIntoTheArxivKey()
    {
        var fromDoiOnly = new DiscoveredPaper { ExternalId = "x", Title = "A Paper", Doi = "10.48550/arXiv.2405.12345" };
        var fromBoth = fromDoiOnly with { ArxivId = "2405.12345v1" };

        Assert.Equal(["arxiv:2405.12345", PaperIdentity.TitleKey("A Paper", null)], PaperIdentity.KeysOf(fromDoiOnly));
        Assert.Equal(["arxiv:2405.12345", PaperIdentity.TitleKey("A Paper", null)], PaperIdentity.KeysOf(fromBoth));
    }

    [Fact]
    public void KeysOfAPaperWithoutIdentifiersIsItsTitleKey()
    {
        var paper = new DiscoveredPaper { ExternalId = "https://blog.example/post", Title = "A Paper", Authors = ["Doe, Jane"], ArxivId = "not an id", Doi = "nope" };

        var keys = PaperIdentity.KeysOf(paper);

        Assert.Equal([PaperIdentity.TitleKey("A paper", "Jane Doe")], keys);
        Assert.Null(PaperIdentity.VersionOf(paper));
    }

    [Fact]
    public void VersionOfPrefersTheExplicitVersion()
    {
        var paper = new DiscoveredPaper { ExternalId = "x", Title = "t", ArxivId = "2405.12345v2", Version = 3 };

        Assert.Equal(3, PaperIdentity.VersionOf(paper));
    }

    [Fact]
    public void CanonicalRanksArxivOverDoiOverTitle()
    {
        Assert.Equal("arxiv:2405.12345", PaperIdentity.Canonical(["title:abc", "doi:10.1/x", "arxiv:2405.12345"]));
        Assert.Equal("doi:10.1/x", PaperIdentity.Canonical(["title:abc", "doi:10.1/x"]));
        Assert.Equal("title:abc", PaperIdentity.Canonical(["title:abc"]));
    }
}
