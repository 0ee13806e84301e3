using System.Globalization;
using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Testing;
using PaperFeed.Worker.Sources.Arxiv;

namespace PaperFeed.Tests.Sources.Arxiv;

/// <summary>The arxiv-api parser on every recorded API response (2016 and 2026 formats) and on small responses in TestData/arxiv.</summary>
[Collection(MemoryMeasurement.Name)]
public sealed class ArxivApiParserTests
{
    private static ArxivApiPage Real(string name) =>
        ArxivApiParser.Parse(File.ReadAllBytes(RealFixtures.File("arxiv-api", name)), "application/atom+xml; charset=utf-8");

    public static TheoryData<string> RealFiles() => [.. RealFixtures.Names("arxiv-api", "*.xml")];

    // What each recorded file holds, counted by hand: entries, totalResults, startIndex, itemsPerPage, error.
    private static readonly Dictionary<string, (int Entries, int Total, int Start, int PerPage, string? Error)> Expected = new(StringComparer.Ordinal)
    {
        ["2026-error-http400-incorrect-id-format.xml"] = (0, 1, 0, 1, "incorrect id format for abc"),
        ["2026-id_list-0000.0000-zero-results.xml"] = (0, 0, 0, 100, null),
        ["2026-id_list-old-style-astro-ph_0601001.xml"] = (1, 1, 0, 100, null),
        ["2026-id_list-two-ids-one-missing.xml"] = (1, 1, 0, 100, null),
        ["2026-search-all_testing-start0-max10.xml"] = (10, 214881, 0, 10, null),
        ["2026-search-all_testing-start10-max10.xml"] = (10, 214881, 10, 10, null),
        ["legacy-2016-id_list-1111.2011v2.xml"] = (1, 1, 0, 10, null),
        ["legacy-2016-search-au_del_maestro-10-of-31.xml"] = (10, 31, 0, 10, null),
        ["legacy-2016-search-au_del_maestro-AND-ti_checkerboard.xml"] = (1, 1, 0, 10, null),
    };

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void EveryRecordedResponseGivesItsEntriesAndOpenSearchCounts(string name)
    {
        Assert.True(Expected.TryGetValue(name, out var expected), $"no expectation written for {name}");

        var page = Real(name);

        Assert.Equal(expected.Entries, page.Papers.Count);
        Assert.Equal(expected.Total, page.TotalResults);
        Assert.Equal(expected.Start, page.StartIndex);
        Assert.Equal(expected.PerPage, page.ItemsPerPage);
        Assert.Equal(expected.Error, page.Error);
        Assert.All(page.Papers, p =>
        {
            Assert.NotNull(p.ArxivId);
            Assert.NotNull(p.Version);
            Assert.NotNull(p.PublishedAt);
            Assert.NotEmpty(p.Authors);
            Assert.NotEmpty(p.Categories);
            Assert.StartsWith("http", p.Links.Pdf, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', p.Title);
            Assert.DoesNotContain("  ", p.Abstract, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void EveryRecordedFileHasAnExpectation()
    {
        var names = RealFixtures.Names("arxiv-api", "*.xml").ToList();
        if (names.Count == 0)
        {
            Assert.Skip("real fixtures arxiv-api are absent");
        }

        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void CurrentFormatEntryIsReadCompletely()
    {
        var page = Real("2026-search-all_testing-start0-max10.xml");

        var paper = page.Papers[0];
        Assert.Equal("2202.12139", paper.ExternalId);
        Assert.Equal("2202.12139v1", paper.ArxivId);
        Assert.Equal(1, paper.Version);
        Assert.Equal("Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques", paper.Title);
        Assert.StartsWith("Deep Learning (DL) has revolutionized the capabilities of vision-based systems (VBS)", paper.Abstract, StringComparison.Ordinal);
        Assert.EndsWith("We also provide a first experimental comparative study on a classical benchmark used in VBS and discuss its results.", paper.Abstract, StringComparison.Ordinal);
        Assert.Equal(["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"], paper.Authors);
        Assert.Equal(["cs.SE", "cs.LG"], paper.Categories);
        Assert.Equal("10.1109/ICSTW55395.2022.00035", paper.Doi);
        Assert.Equal(new DateTimeOffset(2022, 2, 24, 15, 5, 19, TimeSpan.Zero), paper.PublishedAt);
        Assert.Equal(new DateTimeOffset(2022, 2, 24, 15, 5, 19, TimeSpan.Zero), paper.UpdatedAt);
        Assert.Equal("https://arxiv.org/abs/2202.12139v1", paper.Links.Abstract);
        Assert.Equal("https://arxiv.org/pdf/2202.12139v1", paper.Links.Pdf);
    }

    [Fact]
    public void RevisedEntryHasItsVersionAndBothDates()
    {
        var paper = Real("2026-search-all_testing-start0-max10.xml").Papers[2];

        Assert.Equal("2005.14124v2", paper.ArxivId);
        Assert.Equal(2, paper.Version);
        Assert.Equal("Active Fuzzing for Testing and Securing Cyber-Physical Systems", paper.Title);
        Assert.Equal(["cs.SE", "cs.CR", "cs.LG"], paper.Categories);
        Assert.Equal(new DateTimeOffset(2020, 5, 28, 16, 19, 50, TimeSpan.Zero), paper.PublishedAt);
        Assert.Equal(new DateTimeOffset(2020, 7, 16, 8, 15, 48, TimeSpan.Zero), paper.UpdatedAt);
    }

    [Fact]
    public void SecondPageEntriesFollowInOrder()
    {
        var page = Real("2026-search-all_testing-start10-max10.xml");

        Assert.Equal(
            ["2403.16981", "2004.03322", "1912.09881", "2406.19956", "1912.04900", "2301.05651", "1605.01097", "2301.13615", "2407.18756", "2202.06271"],
            page.Papers.Select(p => p.ExternalId));
        Assert.Equal("The Sample Complexity of Simple Binary Hypothesis Testing", page.Papers[0].Title);
        Assert.Equal(["math.ST", "cs.IT", "stat.ML"], page.Papers[0].Categories);
        Assert.Null(page.Papers[0].Doi);
    }

    [Fact]
    public void LegacyEntryWithHardWrapsAndPerElementNamespacesIsCollapsed()
    {
        var paper = Assert.Single(Real("legacy-2016-id_list-1111.2011v2.xml").Papers);

        Assert.Equal("1111.2011v2", paper.ArxivId);
        Assert.Equal(2, paper.Version);
        Assert.Equal("Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit", paper.Title);
        Assert.StartsWith("Theoretical description of anisotropic systems, such as layered superconductors and coupled spin chains, is often", paper.Abstract, StringComparison.Ordinal);
        Assert.EndsWith("is similar to adding a single extra dimension to the theory describing a single node.", paper.Abstract, StringComparison.Ordinal);
        Assert.Equal(["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"], paper.Authors);
        Assert.Equal(["cond-mat.str-el", "cond-mat.stat-mech"], paper.Categories);
        Assert.Equal("10.1103/PhysRevB.85.115117", paper.Doi);
        Assert.Equal(new DateTimeOffset(2011, 11, 8, 18, 48, 36, TimeSpan.Zero), paper.PublishedAt);
        Assert.Equal(new DateTimeOffset(2012, 4, 2, 12, 38, 54, TimeSpan.Zero), paper.UpdatedAt);
        Assert.Equal("http://arxiv.org/abs/1111.2011v2", paper.Links.Abstract);
        Assert.Equal("http://arxiv.org/pdf/1111.2011v2", paper.Links.Pdf);
    }

    [Fact]
    public void LegacyOldStyleIdsKeepTheirArchive()
    {
        var papers = Real("legacy-2016-search-au_del_maestro-10-of-31.xml").Papers;

        Assert.Equal(
            ["1201.4869", "cond-mat/0412498", "cond-mat/0603029", "1005.5383", "1303.6954", "1312.6177", "1412.6529", "cond-mat/0607501", "cond-mat/0702661", "0807.2873"],
            papers.Select(p => p.ExternalId));
        var old = papers[1];
        Assert.Equal("cond-mat/0412498v1", old.ArxivId);
        Assert.Equal(1, old.Version);
        Assert.Equal("Thermal melting of density waves on the square lattice", old.Title);
        Assert.Equal(["Adrian Del Maestro", "Subir Sachdev"], old.Authors);
        Assert.Equal("10.1103/PhysRevB.71.184511", old.Doi);
        Assert.Equal(new DateTimeOffset(2004, 12, 19, 16, 18, 24, TimeSpan.Zero), old.PublishedAt);
    }

    [Fact]
    public void CurrentOldStyleIdWithAffiliationsKeepsOnlyNames()
    {
        var paper = Assert.Single(Real("2026-id_list-old-style-astro-ph_0601001.xml").Papers);

        Assert.Equal("astro-ph/0601001", paper.ExternalId);
        Assert.Equal("astro-ph/0601001v1", paper.ArxivId);
        Assert.Equal(["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"], paper.Authors);
        Assert.Equal(["astro-ph"], paper.Categories);
        Assert.Null(paper.Doi);
        Assert.StartsWith("We derive the frequencies of hot Jupiters (HJs) with 3--5 day periods", paper.Abstract, StringComparison.Ordinal);
        Assert.Contains("Gould & Morgan (2003)", paper.Abstract, StringComparison.Ordinal);
        Assert.Contains("V_max<17.5", paper.Abstract, StringComparison.Ordinal);
        Assert.Equal("https://arxiv.org/pdf/astro-ph/0601001v1", paper.Links.Pdf);
    }

    [Fact]
    public void OneOfTwoIdsMissingGivesTheOneFound()
    {
        var page = Real("2026-id_list-two-ids-one-missing.xml");

        var paper = Assert.Single(page.Papers);
        Assert.Equal("1707.08567", paper.ExternalId);
        Assert.Equal(34, paper.Authors.Count);
        Assert.Equal("Kees A. Schouhamer Immink", paper.Authors[0]);
        Assert.Equal("Hirosuke Yamamoto", paper.Authors[^1]);
    }

    [Fact]
    public void ZeroResultsIsAnEmptyPageNotAnError()
    {
        var page = Real("2026-id_list-0000.0000-zero-results.xml");

        Assert.Empty(page.Papers);
        Assert.False(page.IsError);
        Assert.Equal(0, page.TotalResults);
    }

    [Fact]
    public void RecordedHttp400BodyIsReadAsArxivsError()
    {
        var page = Real("2026-error-http400-incorrect-id-format.xml");

        Assert.True(page.IsError);
        Assert.Equal("incorrect id format for abc", page.Error);
        Assert.Equal("error: incorrect id format for abc", page.ToString());
        Assert.Empty(page.Papers);
    }

    [Fact]
    public void ErrorEntryInAnHttp200ResponseIsAnErrorToo()
    {
        var page = ArxivApiParser.Parse(ArxivRssParserTests.Fixture("api-error-http200.xml"));

        Assert.Equal("max_results must be less than 30000", page.Error);
        Assert.Empty(page.Papers);
    }

    [Fact]
    public void TruncatedResponseIsASourceExceptionNotAShortPage()
    {
        var ex = Assert.Throws<SourceException>(() => ArxivApiParser.Parse(ArxivRssParserTests.Fixture("api-truncated.xml")));

        Assert.StartsWith("arxiv-api: malformed XML at line ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "arxiv-api: the response body is empty")]
    [InlineData("<rss version=\"2.0\"><channel/></rss>", "arxiv-api: expected <feed> as the document root but found <rss>")]
    [InlineData("<feed xmlns=\"http://example.org/not-atom\"/>", "arxiv-api: expected <feed> as the document root but found <feed>")]
    [InlineData("Rate exceeded.", "arxiv-api: the response is not XML")]
    public void UnreadableResponseIsASourceExceptionSayingWhy(string body, string expected)
    {
        var ex = Assert.Throws<SourceException>(() => ArxivApiParser.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFeedElementIsAnEmptyPage()
    {
        var page = ArxivApiParser.Parse("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>"u8.ToArray());

        Assert.Empty(page.Papers);
        Assert.Null(page.TotalResults);
        Assert.Null(page.Error);
    }
    [Fact]
    public void StreamOverloadHandsOverEachPaperAndReturnsTheCounts()
    {
        using var stream = new MemoryStream(File.ReadAllBytes(RealFixtures.File("arxiv-api", "2026-search-all_testing-start0-max10.xml")), writable: false);
        var papers = new List<DiscoveredPaper>();

        var info = ArxivApiParser.Parse(stream, "application/atom+xml; charset=utf-8", papers.Add);

        var page = Real("2026-search-all_testing-start0-max10.xml");
        Assert.Equal(10, info.Papers);
        Assert.Equal((214881, 0, 10), (info.TotalResults!.Value, info.StartIndex!.Value, info.ItemsPerPage!.Value));
        Assert.Null(info.Error);
        Assert.Equal(page.Papers.Select(p => (p.ExternalId, p.Title, p.Abstract)), papers.Select(p => (p.ExternalId, p.Title, p.Abstract)));
    }

    [Theory]
    [InlineData("", "arxiv-api: the response body is empty")]
    [InlineData(" \r\n\uFEFF ", "arxiv-api: the response body is empty")]
    [InlineData("<rss version=\"2.0\"><channel/></rss>", "arxiv-api: expected <feed> as the document root but found <rss>")]
    [InlineData("Rate exceeded.", "arxiv-api: the response is not XML (it starts with 'Rate exceeded.')")]
    [InlineData("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>", "arxiv-api: malformed XML at line ")]
    public void StreamOverloadFailsAsTheSpanOverloadDoes(string body, string expected)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body), writable: false);

        var ex = Assert.Throws<SourceException>(() => ArxivApiParser.Parse(stream, null, _ => { }));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StreamOverloadRemovesRawControlCharactersAndSkipsLeadingWhitespace()
    {
        var body = "\n  <?xml version=\"1.0\" encoding=\"UTF-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>http://arxiv.org/abs/2401.00001v1</id><title>Con\u0001trol</title></entry></feed>";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body), writable: false);
        var papers = new List<DiscoveredPaper>();

        var info = ArxivApiParser.Parse(stream, null, papers.Add);

        Assert.Equal(1, info.Papers);
        Assert.Equal("Control", Assert.Single(papers).Title);
        Assert.Equal("Control", Assert.Single(ArxivApiParser.Parse(Encoding.UTF8.GetBytes(body)).Papers).Title);
    }

    [Fact]
    public void StreamOverloadLetsTheCallbacksExceptionThrough()
    {
        using var stream = new MemoryStream(File.ReadAllBytes(RealFixtures.File("arxiv-api", "2026-search-all_testing-start0-max10.xml")), writable: false);

        var ex = Assert.Throws<InvalidOperationException>(() => ArxivApiParser.Parse(stream, null, _ => throw new InvalidOperationException("stop")));

        Assert.Equal("stop", ex.Message);
    }

    [Fact]
    public void FiftyThousandEntryPageIsStreamedWithoutHoldingThePage()
    {
        const int entries = 50_000;
        using var page = AtomPage(entries);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        var count = 0;
        string? last = null;

        var info = ArxivApiParser.Parse(page, "application/atom+xml; charset=utf-8", paper =>
        {
            count++;
            last = paper.ExternalId;
            if (count % 5_000 == 0)
            {
                // Live memory only (a full collection first): what the parser still holds, not what it has thrown away.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
            }
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"page {page.BytesProduced:N0} bytes, live memory grew by at most {peak:N0} bytes");
        Assert.Equal(entries, count);
        Assert.Equal(entries, info.Papers);
        Assert.Equal($"2401.{entries - 1:D5}", last);
        Assert.Equal((214881, 0, entries), (info.TotalResults!.Value, info.StartIndex!.Value, info.ItemsPerPage!.Value));
        Assert.True(page.BytesProduced > 50_000_000, $"the generated page has {page.BytesProduced:N0} bytes");
        Assert.True(peak < 16_000_000, $"live memory grew by {peak:N0} bytes while reading a page of {page.BytesProduced:N0} bytes");
        Assert.True(peak < page.BytesProduced / 10, $"live memory grew by {peak:N0} bytes while reading a page of {page.BytesProduced:N0} bytes");
    }

    /// <summary>An arXiv API Atom page of <c>count</c> entries, produced only as it is read.</summary>
    private static GeneratedPageStream AtomPage(int count) => new(
        string.Create(CultureInfo.InvariantCulture, $"""
            <?xml version='1.0' encoding='UTF-8'?>
            <feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
              <id>https://arxiv.org/api/generated</id>
              <title>arXiv Query: search_query=all:attention&amp;start=0&amp;max_results={count}</title>
              <updated>2026-04-12T22:09:27Z</updated>
              <opensearch:itemsPerPage>{count}</opensearch:itemsPerPage>
              <opensearch:totalResults>214881</opensearch:totalResults>
              <opensearch:startIndex>0</opensearch:startIndex>

            """),
        count,
        i => string.Create(CultureInfo.InvariantCulture, $"""
              <entry>
                <id>http://arxiv.org/abs/2401.{i:D5}v1</id>
                <title>Paper number {i} on long attention</title>
                <updated>2024-01-16T15:05:19Z</updated>
                <link href="https://arxiv.org/abs/2401.{i:D5}v1" rel="alternate" type="text/html"/>
                <link href="https://arxiv.org/pdf/2401.{i:D5}v1" rel="related" type="application/pdf" title="pdf"/>
                <summary>{GeneratedPageStream.Abstract}</summary>
                <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
                <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
                <published>2024-01-15T15:05:19Z</published>
                <arxiv:primary_category term="cs.LG"/>
                <author>
                  <name>Ada Author{i}</name>
                </author>
              </entry>

            """),
        "</feed>\n");
}
