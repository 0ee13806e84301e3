using System.Text;
using PaperFeed.Contracts;

namespace PaperFeed.Plugins.Crossref.Tests;

/// <summary>The parser over hand-written responses: odd fields, partial dates, and bodies that are not works.</summary>
public sealed class CrossrefParserTests
{
    private static CrossrefPage OddFields() => CrossrefParser.Parse(TestFiles.Read("odd-fields.json"));

    [Fact]
    public void JatsAbstractAndTitleLoseTheirMarkup()
    {
        var paper = OddFields().Papers[0];

        Assert.Equal("Growth of E. coli in H2O & brine", paper.Title);
        // The bare "Abstract" heading goes; paragraphs become one line; an escaped &lt; stays literal text.
        Assert.Equal("We grew E. coli in vivo. It <mostly> worked.", paper.Abstract);
    }

    [Fact]
    public void AuthorsArePeopleOrOrganisationsAndNamelessOnesAreDropped()
    {
        var paper = OddFields().Papers[0];

        Assert.Equal(["Ada Lovelace", "Curie", "The Microbe Consortium"], paper.Authors);
    }

    [Fact]
    public void SubjectsLinksAndPartialPrintDateAreRead()
    {
        var paper = OddFields().Papers[0];

        Assert.Equal(["Microbiology", "Ecology"], paper.Categories);
        Assert.Equal("https://example.org/pdf/1", paper.Links.Pdf); // the first application/pdf, not the text/xml
        Assert.Equal("https://doi.org/10.5555/jats-abstract", paper.Links.Abstract);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero), paper.PublishedAt); // [[2024, 5]]
    }

    [Fact]
    public void MistypedFieldsAreReadWhereTheyCanBeAndIgnoredOtherwise()
    {
        var paper = OddFields().Papers[1];

        Assert.Equal("10.5555/mistyped", paper.ExternalId);
        Assert.Equal("A title given as a plain string", paper.Title);
        Assert.Empty(paper.Authors); // "author" is an object, not an array
        Assert.Equal(["not an array either"], paper.Categories);
        Assert.Null(paper.Links.Pdf);
        Assert.Null(paper.Links.Abstract);
        // "published": [[null]] is unknown, so the year-only "issued" [[2023]] is used.
        Assert.Equal(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), paper.PublishedAt);
    }

    [Fact]
    public void ImpossibleDatesFallThroughToTheNextField()
    {
        var paper = OddFields().Papers[2];

        // published 2024-13-01 and published-online 2022-02-30 cannot be; issued ["2021","7"] (strings) can.
        Assert.Equal("10.5555/bad-dates", paper.Doi);
        Assert.Equal(new DateTimeOffset(2021, 7, 1, 0, 0, 0, TimeSpan.Zero), paper.PublishedAt);
    }

    [Fact]
    public void WorksWithoutDoiOrTitleAreSkippedButStillMoveTheNewestIndexedTime()
    {
        var page = OddFields();

        Assert.Equal(["10.5555/jats-abstract", "10.5555/mistyped", "10.5555/bad-dates"], page.Papers.Select(p => p.ExternalId));
        Assert.Equal(3, page.Skipped); // no DOI, empty title array, and a bare number
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), page.NewestIndexed); // from the DOI-less work
    }

    [Fact]
    public void StatusFailedBecomesASourceExceptionWithCrossrefsMessage()
    {
        var error = Assert.Throws<SourceException>(() => CrossrefParser.Parse(TestFiles.Read("status-failed.json")));

        Assert.Equal(
            "crossref: the API answered status 'failed': Filter from-indx-date specified but there is no such filter for this route.",
            error.Message);
    }

    [Fact]
    public void HtmlPageBecomesASourceExceptionSayingWhatCameBack()
    {
        var error = Assert.Throws<SourceException>(() => CrossrefParser.Parse(TestFiles.Read("maintenance.html")));

        Assert.StartsWith("crossref: the response is not JSON (an HTML or XML page starting '<!DOCTYPE html> <html><head><title>Crossref is down", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("check the source's Url points at the Crossref REST API (/works)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Resource not found.", "crossref: the response is not JSON (text starting 'Resource not found.')")]
    [InlineData("", "crossref: the response is not JSON (the body is empty)")]
    [InlineData("[1,2]", "crossref: expected a JSON object with status and message, got a JSON array")]
    [InlineData("{\"status\":\"ok\",\"message-type\":\"work-list\",\"message\":{}}", "crossref: the work-list has no items array")]
    [InlineData("{\"status\":\"ok\",\"message-type\":\"work\"}", "crossref: the response has no message object")]
    [InlineData("{\"status\":\"error\",\"message\":\"Internal server error\"}", "crossref: the API answered status 'error': Internal server error")]
    public void BodiesThatAreNotWorksAreRefused(string body, string expectedStart)
    {
        var error = Assert.Throws<SourceException>(() => CrossrefParser.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.StartsWith(expectedStart, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherRouteIsRefusedByItsMessageType()
    {
        var error = Assert.Throws<SourceException>(() => CrossrefParser.Parse(TestFiles.Read("member-list.json")));

        Assert.Equal("crossref: expected works, got message-type 'member-list'; the Url must be a /works route", error.Message);
    }

    [Fact]
    public void MessageTypeMayBeMissingWhenTheShapeIsClear()
    {
        var list = CrossrefParser.Parse(Encoding.UTF8.GetBytes("{\"status\":\"ok\",\"message\":{\"items\":[{\"DOI\":\"10.1/a\",\"title\":[\"A\"]}]}}"));
        var single = CrossrefParser.Parse(Encoding.UTF8.GetBytes("{\"status\":\"ok\",\"message\":{\"DOI\":\"10.1/b\",\"title\":[\"B\"]}}"));

        Assert.Equal("10.1/a", Assert.Single(list.Papers).Doi);
        Assert.Equal("B", Assert.Single(single.Papers).Title);
        Assert.Null(single.NewestIndexed); // no "indexed" at all
    }
}
