using PaperFeed.Testing;

namespace PaperFeed.Plugins.Crossref.Tests;

/// <summary>The parser over responses recorded from api.crossref.org (kept outside the repository; skipped where absent).</summary>
public sealed class CrossrefParserRealFixtureTests
{
    [Fact]
    public void SingleWorkReadsThePlosOneArticle()
    {
        // Given GET /works/10.1371/journal.pone.0033693 (message-type: work)
        var body = File.ReadAllBytes(RealFixtures.File("crossref", "works-10.1371_journal.pone.0033693.json"));

        // When
        var page = CrossrefParser.Parse(body);

        // Then
        var paper = Assert.Single(page.Papers);
        Assert.Equal(0, page.Skipped);
        Assert.Equal("10.1371/journal.pone.0033693", paper.ExternalId);
        Assert.Equal("10.1371/journal.pone.0033693", paper.Doi);
        Assert.Equal("Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the Basal Ganglia of Mice", paper.Title);
        Assert.Equal(6, paper.Authors.Count);
        Assert.Equal("Shankar Sadasivan", paper.Authors[0]);
        Assert.Equal("Brooks B. Pond", paper.Authors[1]);
        Assert.Equal("Richard J. Smeyne", paper.Authors[5]);
        Assert.Equal(new DateTimeOffset(2012, 3, 21, 0, 0, 0, TimeSpan.Zero), paper.PublishedAt);
        Assert.Equal(new DateTimeOffset(2025, 3, 23, 19, 53, 43, TimeSpan.Zero), paper.UpdatedAt);
        Assert.Null(paper.Abstract); // this work has none
        Assert.Empty(paper.Categories); // "subject": []
        Assert.Equal("https://doi.org/10.1371/journal.pone.0033693", paper.Links.Abstract);
        Assert.Null(paper.Links.Pdf); // its only link is content-type "unspecified"
        Assert.Equal(new DateTimeOffset(2026, 6, 6, 19, 55, 37, TimeSpan.Zero), page.NewestIndexed);
    }

    [Fact]
    public void QueryResultReadsBothItemsWithPlainAbstracts()
    {
        // Given GET /works?query=ecology&rows=2 (message-type: work-list)
        var body = File.ReadAllBytes(RealFixtures.File("crossref", "works-query-ecology-rows2.json"));

        // When
        var page = CrossrefParser.Parse(body);

        // Then
        Assert.Equal(2, page.Papers.Count);
        Assert.Equal(["Communicating Ecology", "Chemical Ecology"], page.Papers.Select(p => p.Title));
        Assert.Equal(["10.1093/obo/9780199830060-0238", "10.1093/obo/9780199830060-0023"], page.Papers.Select(p => p.Doi));

        var first = page.Papers[0];
        Assert.StartsWith("Communication is perhaps the most important, but least formally discussed,", first.Abstract, StringComparison.Ordinal);
        Assert.EndsWith("to assist improvement of ecological communication.", first.Abstract, StringComparison.Ordinal);
        Assert.DoesNotContain("<", first.Abstract, StringComparison.Ordinal);
        Assert.Contains("creation of a product\u2014usually research project", first.Abstract, StringComparison.Ordinal);
        Assert.Empty(first.Authors); // an Oxford Bibliographies entry without authors
        Assert.Equal(new DateTimeOffset(2022, 7, 26, 0, 0, 0, TimeSpan.Zero), first.PublishedAt);

        var second = page.Papers[1];
        Assert.StartsWith("\u201cOurs is a world of sights and sounds.", second.Abstract, StringComparison.Ordinal);
        Assert.DoesNotContain("<", second.Abstract, StringComparison.Ordinal);
        Assert.Equal(["Andr\u00e9 Kessler"], second.Authors);
        Assert.Equal(new DateTimeOffset(2012, 5, 23, 0, 0, 0, TimeSpan.Zero), second.PublishedAt);
        Assert.Equal("https://doi.org/10.1093/obo/9780199830060-0023", second.Links.Abstract);

        // The newer of 2026-03-11T23:54:25Z and 2024-05-09T22:22:12Z.
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 23, 54, 25, TimeSpan.Zero), page.NewestIndexed);
    }
}
