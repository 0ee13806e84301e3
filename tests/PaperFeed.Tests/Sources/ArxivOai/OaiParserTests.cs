using PaperFeed.Contracts;
using PaperFeed.Testing;
using PaperFeed.Worker.Sources.ArxivOai;

namespace PaperFeed.Tests.Sources.ArxivOai;

/// <summary>The OAI-PMH parser on the recorded arXiv responses (../shared/fixtures/real/arxiv-oai) and on small hand-written ones.</summary>
public sealed class OaiParserTests
{
    private const string HepTh = "listrecords-arXiv-set-physics_hep-th-2017-12-14-3-records.xml";
    private const string HepEx = "listrecords-arXiv-set-physics_hep-ex-2017-12-14-3-records.xml";
    private const string GetRecord = "getrecord-arXiv-1401.2122-2018-01-26.xml";
    private const string OaiDc = "listrecords-oai_dc-set-cs-2024-01-25-with-resumptionToken-5-records.xml";

    // Hand-checked against the files: every record's OAI identifier, in order.
    private static readonly Dictionary<string, string[]> IdsByFixture = new(StringComparer.Ordinal)
    {
        [HepTh] = ["oai:arXiv.org:1412.8323", "oai:arXiv.org:1507.07790", "oai:arXiv.org:1607.01710"],
        [HepEx] = ["oai:arXiv.org:1706.05371", "oai:arXiv.org:1706.09418", "oai:arXiv.org:1707.00874"],
        [GetRecord] = ["oai:arXiv.org:1401.2122"],
        [OaiDc] = ["oai:arXiv.org:1303.2033", "oai:arXiv.org:2401.14034", "oai:arXiv.org:2401.14036", "oai:arXiv.org:2401.14038", "oai:arXiv.org:2401.14040"],
    };

    public static TheoryData<string> RealResponses => new(RealFixtures.Names("arxiv-oai"));

    private static OaiPage Real(string name) => OaiParser.Parse(File.ReadAllBytes(RealFixtures.File("arxiv-oai", name)));

    internal static byte[] Small(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "arxiv-oai", name));

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(RealResponses))]
    public void EveryRealResponseGivesItsRecordsAsOneLinePapersWithArxivIdsAndLinks(string name)
    {
        var page = Real(name);

        Assert.True(IdsByFixture.TryGetValue(name, out var ids), $"{name} is a new fixture: add its hand-checked record ids to {nameof(IdsByFixture)}");
        Assert.Equal(ids, page.Papers.Select(p => p.ExternalId));
        Assert.Equal(ids.Length, page.Info.Papers);
        Assert.Equal(0, page.Info.Deleted + page.Info.Skipped);
        Assert.Null(page.Info.Error);
        Assert.All(page.Papers, p =>
        {
            var bare = p.ExternalId["oai:arXiv.org:".Length..];
            Assert.Equal(bare, p.ArxivId);
            Assert.Equal($"https://arxiv.org/abs/{bare}", p.Links.Abstract);
            Assert.Equal($"https://arxiv.org/pdf/{bare}", p.Links.Pdf);
            Assert.DoesNotContain('\n', p.Title);
            Assert.DoesNotContain("  ", p.Title, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', p.Abstract!);
            Assert.Equal(p.Abstract!.Trim(), p.Abstract);
            Assert.NotEmpty(p.Authors);
            Assert.NotEmpty(p.Categories);
            Assert.NotNull(p.PublishedAt);
        });
    }

    [Fact]
    public void ArxivFormatHepThPageIsReadCompletely()
    {
        var page = Real(HepTh);

        Assert.Equal(new DateTimeOffset(2017, 12, 14, 12, 56, 31, TimeSpan.Zero), page.Info.ResponseDate);
        Assert.Null(page.Info.ResumptionToken);
        Assert.Null(page.Info.CompleteListSize);

        var first = page.Papers[0];
        Assert.Equal("Toolbox for reconstructing quantum theory from rules on information acquisition", first.Title);
        Assert.Equal(["Philipp A Hoehn"], first.Authors);
        Assert.Equal(["quant-ph", "gr-qc", "hep-th", "math-ph", "math.MP", "physics.hist-ph"], first.Categories);
        Assert.Equal(new DateTimeOffset(2014, 12, 29, 0, 0, 0, TimeSpan.Zero), first.PublishedAt);
        Assert.Equal(new DateTimeOffset(2017, 12, 13, 0, 0, 0, TimeSpan.Zero), first.UpdatedAt);
        Assert.Null(first.Doi);
        Assert.StartsWith("We develop an operational approach for reconstructing the quantum theory of qubit systems", first.Abstract, StringComparison.Ordinal);
        Assert.EndsWith("yields a novel formulation of quantum theory in terms of questions.", first.Abstract, StringComparison.Ordinal);

        var second = page.Papers[1];
        Assert.Equal("Relativistic quantum dynamics of vector bosons in an Aharonov-Bohm potential", second.Title);
        Assert.Equal(["Luis B. Castro", "Edilberto O. Silva"], second.Authors);
        Assert.Equal("10.1088/1751-8121/aa9c53", second.Doi);

        var third = page.Papers[2];
        Assert.Equal("Refinements of the Weyl pure geometrical thick branes from information-entropic measure", third.Title);
        Assert.Equal(["R. A. C. Correa", "D. M. Dantas", "P. H. R. S. Moraes", "A. de Souza Dutra", "C. A. S. Almeida"], third.Authors);
        Assert.Equal(["hep-th"], third.Categories);
        Assert.Equal("10.1002/andp.201700188", third.Doi);
    }

    [Fact]
    public void ArxivFormatHepExPageKeepsEveryAuthorInOrder()
    {
        var page = Real(HepEx);

        var first = page.Papers[0];
        Assert.Equal("Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid Xenon Detectors", first.Title);
        Assert.Equal(13, first.Authors.Count);
        Assert.Equal("Tyler Anderson", first.Authors[0]);
        Assert.Equal("Mani Tripathi", first.Authors[^1]);
        Assert.Equal(["physics.ins-det", "hep-ex"], first.Categories);
        Assert.Equal(new DateTimeOffset(2017, 6, 16, 0, 0, 0, TimeSpan.Zero), first.PublishedAt);
        Assert.Equal(new DateTimeOffset(2017, 12, 12, 0, 0, 0, TimeSpan.Zero), first.UpdatedAt);

        Assert.Equal("R-Parity Violation at the LHC", page.Papers[1].Title);
        Assert.Equal("Daniel Dercks", page.Papers[1].Authors[0]);
        Assert.Equal("10.1140/epjc/s10052-017-5414-4", page.Papers[1].Doi);
        Assert.Equal("Implications of right-handed neutrinos in $B-L$ extended standard model with scalar dark matter", page.Papers[2].Title);
        Assert.Equal(["hep-ph", "astro-ph.CO", "hep-ex"], page.Papers[2].Categories);
    }

    [Fact]
    public void GetRecordResponseGivesItsOneRecord()
    {
        var paper = Assert.Single(Real(GetRecord).Papers);

        Assert.Equal("1401.2122", paper.ArxivId);
        Assert.Equal("New integrable (3+1)-dimensional systems and contact geometry", paper.Title);
        Assert.Equal(["A. Sergyeyev"], paper.Authors);
        Assert.Equal(["math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI"], paper.Categories);
        Assert.Equal("10.1007/s11005-017-1013-4", paper.Doi);
        Assert.Equal(new DateTimeOffset(2014, 1, 9, 0, 0, 0, TimeSpan.Zero), paper.PublishedAt);
        Assert.Equal(new DateTimeOffset(2017, 10, 23, 0, 0, 0, TimeSpan.Zero), paper.UpdatedAt);
        Assert.Equal(
            "We introduce a novel systematic construction for integrable (3+1)-dimensional dispersionless systems using nonisospectral Lax pairs that involve contact vector fields. "
            + "In particular, we present new large classes of (3+1)-dimensional integrable dispersionless systems associated to the Lax pairs which are polynomial and rational in the spectral parameter.",
            paper.Abstract);
    }

    [Fact]
    public void OaiDcPageWithoutXmlDeclarationGivesPapersAndTheResumptionToken()
    {
        var page = Real(OaiDc);

        Assert.Equal("6960524|1001", page.Info.ResumptionToken);
        Assert.Equal(1162, page.Info.CompleteListSize);
        Assert.Equal(0, page.Info.Cursor);
        Assert.Equal(new DateTimeOffset(2024, 1, 27, 17, 53, 42, TimeSpan.Zero), page.Info.ResponseDate);

        var first = page.Papers[0];
        Assert.Equal("1303.2033", first.ArxivId);
        Assert.Equal("Extended Fourier analysis of signals", first.Title);
        Assert.Equal(["Vilnis Liepins"], first.Authors);
        Assert.Equal(["Computer Science - Data Structures and Algorithms", "Computer Science - Information Theory", "Mathematics - Numerical Analysis"], first.Categories);
        Assert.Equal(new DateTimeOffset(2013, 3, 8, 0, 0, 0, TimeSpan.Zero), first.PublishedAt);
        Assert.Equal(new DateTimeOffset(2024, 1, 23, 0, 0, 0, TimeSpan.Zero), first.UpdatedAt);
        Assert.StartsWith("This summary of the doctoral thesis is created", first.Abstract, StringComparison.Ordinal);
        Assert.DoesNotContain("Comment:", first.Abstract, StringComparison.Ordinal);

        Assert.Equal(["Chuankun Li", "Shuai Li", "Yanbo Gao", "Ping Chen", "Jian Li", "Wanqing Li"], page.Papers[1].Authors);
        Assert.Equal("Jiu-Cheng Xie", page.Papers[2].Authors[0]);

        var last = page.Papers[4];
        Assert.Equal("(Chat)GPT v BERT: Dawn of Justice for Semantic Change Detection", last.Title);
        Assert.Equal(["Francesco Periti", "Haim Dubossarsky", "Nina Tahmasebi"], last.Authors);
        Assert.Equal(["Computer Science - Computation and Language"], last.Categories);
        Assert.StartsWith("In the universe of Natural Language Processing", last.Abstract, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2024, 1, 25, 0, 0, 0, TimeSpan.Zero), last.PublishedAt);
        Assert.Null(last.UpdatedAt); // one dc:date: only the first version exists
    }

    [Fact]
    public void DeletedRecordIsSkippedAndCountedAndAnEmptyTokenEndsTheList()
    {
        var page = OaiParser.Parse(Small("deleted-record.xml"));

        var paper = Assert.Single(page.Papers);
        Assert.Equal(1, page.Info.Deleted);
        Assert.Equal(2, page.Info.Records);
        Assert.Null(page.Info.ResumptionToken);
        Assert.Equal(1002, page.Info.CompleteListSize);
        Assert.Equal(1000, page.Info.Cursor);

        Assert.Equal("oai:arXiv.org:hep-th/9901001", paper.ExternalId);
        Assert.Equal("hep-th/9901001", paper.ArxivId);
        Assert.Equal("https://arxiv.org/pdf/hep-th/9901001", paper.Links.Pdf);
        Assert.Equal("Strings & branes: a < b", paper.Title); // plain text, not HTML: "< b" stays
        Assert.Equal(["John Smith Jr", "ATLAS Collaboration"], paper.Authors);
        Assert.Equal("10.1000/abc.1", paper.Doi);
        Assert.Equal("One line. Two lines.", paper.Abstract);
        Assert.Null(paper.UpdatedAt);
    }

    [Theory]
    [InlineData("no-records-match.xml", "noRecordsMatch", "No records match the given criteria")]
    [InlineData("bad-resumption-token.xml", "badResumptionToken", "Invalid or expired resumption token")]
    [InlineData("bad-argument.xml", "badArgument", "Illegal argument: set=nonsense")]
    public void OaiErrorIsReportedWithItsCodeAndMessage(string name, string code, string message)
    {
        var page = OaiParser.Parse(Small(name));

        Assert.Empty(page.Papers);
        Assert.Equal(new OaiError(code, message), page.Info.Error);
        Assert.Equal(new DateTimeOffset(2024, 2, 3, 10, 0, 0, TimeSpan.Zero), page.Info.ResponseDate);
    }

    [Fact]
    public void TruncatedResponseIsASourceExceptionAfterTheCompleteRecords()
    {
        var seen = new List<string>();

        var ex = Assert.Throws<SourceException>(() => OaiParser.Parse(new MemoryStream(Small("truncated.xml")), p => seen.Add(p.ExternalId)));

        Assert.StartsWith("arxiv-oai: malformed XML at line ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["oai:arXiv.org:2402.00001"], seen);
    }

    [Theory]
    [InlineData("<html><body>Service unavailable</body></html>", "arxiv-oai: the response is not OAI-PMH (its root element is <html>)")]
    [InlineData("<OAI-PMH><ListRecords/></OAI-PMH>", "arxiv-oai: the response is not OAI-PMH (its root element is <OAI-PMH>)")]
    public void SomethingElseThanOaiPmhIsASourceException(string body, string message)
    {
        var ex = Assert.Throws<SourceException>(() => OaiParser.Parse(System.Text.Encoding.UTF8.GetBytes(body)));

        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalEntitiesAreNeverResolved()
    {
        const string body = """
            <?xml version="1.0"?>
            <!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header><identifier>oai:arXiv.org:2402.00003</identifier></header>
            <metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2402.00003</id><title>&xxe;</title></arXiv></metadata></record></ListRecords></OAI-PMH>
            """;

        var ex = Assert.Throws<SourceException>(() => OaiParser.Parse(System.Text.Encoding.UTF8.GetBytes(body)));

        Assert.Contains("undeclared entity 'xxe'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ControlCharactersInTextAreDroppedInsteadOfFailingThePage()
    {
        var body = "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><ListRecords><record><header><identifier>oai:arXiv.org:2402.00004</identifier></header>"
            + "<metadata><arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\"><id>2402.00004</id><title>Bell\u0007 states</title></arXiv></metadata></record></ListRecords></OAI-PMH>";

        var paper = Assert.Single(OaiParser.Parse(System.Text.Encoding.UTF8.GetBytes(body)).Papers);

        Assert.Equal("Bell states", paper.Title); // the BEL became a space, and runs of spaces one
    }
}
