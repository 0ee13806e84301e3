using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Testing;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Sources.HuggingFace;

namespace PaperFeed.Tests.Sources.HuggingFace;

/// <summary>The Hugging Face daily-papers parser on the recorded 2024 response and on small written pages.</summary>
public sealed class HuggingFaceParserTests
{
    private static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "huggingface", name));

    private static byte[] Real() =>
        File.ReadAllBytes(RealFixtures.File("huggingface", "daily_papers-2024-10-25-first4.json"));

    [Fact]
    public void RealPageHasFourPapersKnownByTheirArxivIds()
    {
        var page = HuggingFaceParser.ReadPage(Real());

        Assert.Equal(4, page.Items);
        Assert.Equal(0, page.Skipped);
        Assert.Equal(["2410.17243", "2410.16251", "2410.18533", "2410.18693"], page.Papers.Select(p => p.ExternalId));
        Assert.Equal(["2410.17243", "2410.16251", "2410.18533", "2410.18693"], page.Papers.Select(p => p.ArxivId));
        Assert.Equal(["arxiv:2410.17243", "arxiv:2410.16251", "arxiv:2410.18533", "arxiv:2410.18693"], page.Papers.Select(p => PaperIdentity.KeysOf(p)[0]));
    }

    [Fact]
    public void RealTitlesAreTheOneLineTopLevelTitles()
    {
        var papers = HuggingFaceParser.Parse(Real());

        Assert.Equal("Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss", papers[0].Title);
        Assert.Equal("Can Knowledge Editing Really Correct Hallucinations?", papers[1].Title);
        Assert.Equal("LOGO -- Long cOntext aliGnment via efficient preference Optimization", papers[2].Title);
        Assert.Equal("Unleashing Reasoning Capability of LLMs via Scalable Question Synthesis from Scratch", papers[3].Title);
    }

    [Fact]
    public void RealAuthorsAreKeptInOrder()
    {
        var papers = HuggingFaceParser.Parse(Real());

        Assert.Equal(["Zesen Cheng", "Baixiang Huang", "Zecheng Tang", "Yuyang Ding"], papers.Select(p => p.Authors[0]));
        Assert.Equal([9, 5, 5, 6], papers.Select(p => p.Authors.Count));
        Assert.Equal("Lidong Bing", papers[0].Authors[^1]);
        Assert.Equal(["Yuyang Ding", "Xinyu Shi", "Xiaobo Liang", "Juntao Li", "Qiaoming Zhu", "Min Zhang"], papers[3].Authors);
    }

    [Fact]
    public void RealMetricsAreUpvotesAndComments()
    {
        var papers = HuggingFaceParser.Parse(Real());

        Assert.Equal([64, 41, 37, 35], papers.Select(p => p.Metrics.Upvotes));
        Assert.Equal([3, 2, 2, 2], papers.Select(p => p.Metrics.Comments));
        Assert.All(papers, p => Assert.Null(p.Metrics.GithubStars));
    }

    [Fact]
    public void RealPublishedAtIsTheArxivTimeNotTheDailyPapersTime()
    {
        var papers = HuggingFaceParser.Parse(Real());

        Assert.Equal(new DateTimeOffset(2024, 10, 22, 17, 59, 30, TimeSpan.Zero), papers[0].PublishedAt);
        Assert.Equal(new DateTimeOffset(2024, 10, 21, 17, 55, 54, TimeSpan.Zero), papers[1].PublishedAt);
        Assert.Equal(new DateTimeOffset(2024, 10, 24, 8, 27, 26, TimeSpan.Zero), papers[2].PublishedAt);
        Assert.Equal(new DateTimeOffset(2024, 10, 24, 12, 42, 4, TimeSpan.Zero), papers[3].PublishedAt);
    }

    [Fact]
    public void RealAbstractsLoseTheirHardWrapsAndKeepEscapedQuotes()
    {
        var papers = HuggingFaceParser.Parse(Real());

        Assert.StartsWith("Contrastive loss is a powerful approach for representation learning, where larger batch sizes", papers[0].Abstract, StringComparison.Ordinal);
        Assert.EndsWith("comparable speed. The code will be made publicly available.", papers[0].Abstract, StringComparison.Ordinal);
        Assert.Contains("data synthesis method that utilizes \"small-size\" (e.g., 7B) open-source models to generate", papers[3].Abstract, StringComparison.Ordinal);
        Assert.All(papers, p => Assert.DoesNotContain('\n', p.Abstract!));
        Assert.All(papers, p => Assert.DoesNotContain("  ", p.Abstract!, StringComparison.Ordinal));
    }

    [Fact]
    public void RealLinksPointAtArxivAndThe2025FieldsAreAbsent()
    {
        var paper = HuggingFaceParser.Parse(Real())[0];

        Assert.Equal("https://arxiv.org/abs/2410.17243", paper.Links.Abstract);
        Assert.Equal("https://arxiv.org/pdf/2410.17243", paper.Links.Pdf);
        Assert.Null(paper.Links.Code);
        Assert.Null(paper.Links.Project);
        Assert.Null(paper.Summary);
        Assert.Empty(paper.Keywords);
        Assert.Null(paper.WithdrawnAt);
        Assert.Null(paper.UpdatedAt);
        Assert.Null(paper.Version);
    }

    [Fact]
    public void Shape2025ReadsSummaryKeywordsCodeStarsAndProjectPage()
    {
        var paper = HuggingFaceParser.Parse(Fixture("daily-2025-shape.json"))[0];

        Assert.Equal("2502.01234", paper.ExternalId);
        Assert.Equal("Sparse Mixtures of Experts at Scale", paper.Title);
        Assert.Equal("We train sparse mixtures of experts with up to 1,024 experts. Routing is \"learned\" end to end.", paper.Abstract);
        Assert.Equal("Sparse MoE models with learned routing scale to 1,024 experts.", paper.Summary);
        Assert.Equal(["mixture of experts", "sparse routing", "load balancing"], paper.Keywords);
        Assert.Equal("https://github.com/example-lab/sparse-moe", paper.Links.Code);
        Assert.Equal("https://example-lab.github.io/sparse-moe/", paper.Links.Project);
        Assert.Equal(new PaperMetrics { Upvotes = 87, Comments = 5, GithubStars = 412 }, paper.Metrics);
        Assert.Equal(new DateTimeOffset(2025, 2, 3, 18, 59, 59, TimeSpan.Zero), paper.PublishedAt);
        Assert.Null(paper.WithdrawnAt);
        Assert.Null(paper.UpdatedAt);
    }

    [Fact]
    public void Shape2025KeepsHiddenAuthorsInTheirPlace()
    {
        var paper = HuggingFaceParser.Parse(Fixture("daily-2025-shape.json"))[0];

        Assert.Equal(["Ana Silva", "Wei Zhang", "Olu Adeyemi"], paper.Authors);
    }

    [Fact]
    public void Shape2025WithdrawnPaperKeepsItsMarkupLikeTitleAndWithdrawalTime()
    {
        var paper = HuggingFaceParser.Parse(Fixture("daily-2025-shape.json"))[1];

        Assert.Equal("2502.00077", paper.ExternalId);
        Assert.Equal("Thinking Before <think>: R&D on Reasoning Tokens", paper.Title);
        Assert.Equal(new DateTimeOffset(2025, 2, 5, 10, 0, 0, TimeSpan.Zero), paper.WithdrawnAt);
        Assert.Equal(new DateTimeOffset(2025, 2, 1, 9, 30, 0, TimeSpan.Zero), paper.PublishedAt);
        Assert.Null(paper.Summary);
        Assert.Empty(paper.Keywords);
        Assert.Null(paper.Links.Code);
        Assert.Equal(new PaperMetrics { Upvotes = 3, Comments = 0 }, paper.Metrics);
    }

    [Fact]
    public void MistypedFieldsAreDroppedAloneAndItemsWithoutIdOrTitleAreSkipped()
    {
        var page = HuggingFaceParser.ReadPage(Fixture("mistyped-fields.json"));

        Assert.Equal(9, page.Items);
        Assert.Equal(6, page.Skipped);
        Assert.Equal(["2503.11111", "2503.22220", "2503.44444"], page.Papers.Select(p => p.ExternalId));
        Assert.Equal(new PaperMetrics { Upvotes = 9, Comments = 1 }, page.Papers[2].Metrics);
    }

    [Fact]
    public void EveryFieldOfTheWrongTypeIsNullOrEmpty()
    {
        var paper = HuggingFaceParser.Parse(Fixture("mistyped-fields.json"))[0];

        Assert.Equal("Fallback Title From The Paper Record", paper.Title);
        Assert.Empty(paper.Authors);
        Assert.Null(paper.Abstract);
        Assert.Null(paper.PublishedAt);
        Assert.Null(paper.Summary);
        Assert.Empty(paper.Keywords);
        Assert.Null(paper.WithdrawnAt);
        Assert.Equal(new PaperLinks { Abstract = "https://arxiv.org/abs/2503.11111", Pdf = "https://arxiv.org/pdf/2503.11111" }, paper.Links);
        Assert.Equal(new PaperMetrics(), paper.Metrics);
    }

    [Fact]
    public void NumericIdKeepsItsTrailingZeroAndOddArrayElementsAreDroppedOneByOne()
    {
        var paper = HuggingFaceParser.Parse(Fixture("mistyped-fields.json"))[1];

        Assert.Equal("2503.22220", paper.ExternalId);
        Assert.Equal("https://arxiv.org/abs/2503.22220", paper.Links.Abstract);
        Assert.Equal(["Plain String Author", "Real Name"], paper.Authors);
        Assert.Equal(["kept", "also kept"], paper.Keywords);
        Assert.Null(paper.PublishedAt);
        Assert.Null(paper.Metrics.Upvotes);
        Assert.Null(paper.Metrics.Comments);
    }

    [Fact]
    public void EmptyArrayIsAnEmptyPage()
    {
        var page = HuggingFaceParser.ReadPage(Fixture("empty.json"));

        Assert.Equal(0, page.Items);
        Assert.Empty(page.Papers);
        Assert.Equal(0, page.Skipped);
    }

    [Fact]
    public void HtmlPageIsRejectedSayingSo()
    {
        var ex = Assert.Throws<SourceException>(() => HuggingFaceParser.Parse(Fixture("error-page.html")));

        Assert.Equal("huggingface: expected a JSON array of daily papers but got HTML or XML (starts with \"<!DOCTYPE html> <html class=\"\" lang=\"en\"…\")", ex.Message);
    }

    [Fact]
    public void TruncatedJsonIsRejectedSayingWhere()
    {
        var ex = Assert.Throws<SourceException>(() => HuggingFaceParser.Parse(Fixture("truncated.json")));

        Assert.StartsWith("huggingface: malformed JSON at line 14, byte ", ex.Message, StringComparison.Ordinal);
        Assert.IsType<System.Text.Json.JsonException>(ex.InnerException, exactMatch: false);
    }

    [Fact]
    public void JsonObjectIsRejectedWithTheErrorItCarries()
    {
        var ex = Assert.Throws<SourceException>(() => HuggingFaceParser.Parse(Fixture("object.json")));

        Assert.Equal("huggingface: expected a JSON array of daily papers but got a JSON object: \"Invalid date: expected YYYY-MM-DD\"", ex.Message);
    }

    [Fact]
    public void EmptyBodyIsRejected()
    {
        var ex = Assert.Throws<SourceException>(() => HuggingFaceParser.Parse(Encoding.UTF8.GetBytes(" \n")));

        Assert.Equal("huggingface: the body is empty (expected a JSON array of daily papers)", ex.Message);
    }

    [Fact]
    public void DeeplyNestedJsonIsRejectedAsMalformed()
    {
        var body = Encoding.UTF8.GetBytes("[{\"paper\":{\"id\":\"2501.00001\",\"x\":" + new string('[', 200) + new string(']', 200) + "},\"title\":\"Deep\"}]");

        var ex = Assert.Throws<SourceException>(() => HuggingFaceParser.Parse(body));

        Assert.StartsWith("huggingface: malformed JSON at line 1, byte ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("64", ex.Message, StringComparison.Ordinal);
    }
}
