using System.Text.RegularExpressions;
using PaperFeed.Contracts;
using PaperFeed.Testing;
using PaperFeed.Worker.Sources.Feed;
using Xunit;

namespace PaperFeed.Tests.Sources;

/// <summary>The feed parser on the recorded real feeds (../shared/fixtures/real/feeds; see SOURCES.md).</summary>
public sealed partial class FeedParserTests
{
    public static TheoryData<string> RealFeeds => new(RealFixtures.Names("feeds"));

    // Markup is a tag or an entity; a bare "<" in text ("a <= b", ">.<") is content, not markup.
    [GeneratedRegex(@"<[A-Za-z/!?]|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);", RegexOptions.CultureInvariant)]
    private static partial Regex Markup();

    private static IReadOnlyList<DiscoveredPaper> ParseReal(string name) =>
        FeedParser.Parse(File.ReadAllBytes(RealFixtures.File("feeds", name)));

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(RealFeeds))]
    public void EveryRealFeedGivesPapersWithIdTitleAndNoMarkup(string name)
    {
        var papers = ParseReal(name);

        Assert.NotEmpty(papers);
        Assert.All(papers, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.ExternalId));
            Assert.False(string.IsNullOrWhiteSpace(p.Title));
            Assert.Equal(p.Title.Trim(), p.Title);
            Assert.DoesNotContain('\n', p.Title);
            Assert.DoesNotContain("  ", p.Title, StringComparison.Ordinal);
            Assert.DoesNotMatch(Markup(), p.Title);
            Assert.DoesNotContain("&lt;", p.Title, StringComparison.Ordinal);
            Assert.DoesNotContain("&amp;", p.Title, StringComparison.Ordinal);
            if (p.Abstract is not null)
            {
                Assert.DoesNotMatch(Markup(), p.Abstract);
                Assert.DoesNotContain("&lt;", p.Abstract, StringComparison.Ordinal);
                Assert.DoesNotContain("&amp;", p.Abstract, StringComparison.Ordinal);
                Assert.NotEqual("", p.Abstract.Trim());
            }

            Assert.DoesNotContain('\uFFFD', p.Title + p.Abstract);
        });
        Assert.Equal(papers.Count, papers.Select(p => p.ExternalId).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void GolemIso88591HasFortyItemsWithUmlautsDecoded()
    {
        var papers = ParseReal("rss2-golem-iso-8859-1.xml");

        Assert.Equal(40, papers.Count);
        var first = papers[0];
        Assert.Equal("Red Dead Redemption 2: Hinweise auf PC-Umsetzung in App von Rockstar Games", first.Title);
        Assert.Equal("https://www.golem.de/1810/137358-rss.html", first.ExternalId);
        Assert.Equal("https://www.golem.de/news/red-dead-redemption-2-hinweise-auf-pc-umsetzung-in-app-von-rockstar-games-1810-137358-rss.html", first.Links.Abstract);
        Assert.StartsWith("Viele Spieler wünschen sich eine PC-Version von Red Dead Redemption 2,", first.Abstract, StringComparison.Ordinal);
        Assert.EndsWith("(Red Dead Redemption 2, Red Dead Redemption)", first.Abstract, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2018, 10, 28, 13, 48, 0, TimeSpan.FromHours(1)), first.PublishedAt);
        Assert.Equal("Machine Learning: Von KI erstelltes Porträt für 432.500 US.Dollar versteigert", papers[4].Title);
        Assert.Equal("Projekt Jedi: Microsoft will weiter mit US-Militär zusammenarbeiten", papers[5].Title);
    }

    [Fact]
    public void IbashWindows1251GivesCyrillicAndTheEllipsisByte()
    {
        var papers = ParseReal("rss2-ibash-windows-1251-cdata.xml");

        Assert.Equal(50, papers.Count);
        Assert.Equal("Цитата #17703", papers[0].Title);
        Assert.Equal("http://ibash.org.ru/quote.php?id=17703", papers[0].ExternalId);
        Assert.StartsWith("xxx: есть у кого жаба программер xxx: кот немного пхп знает?", papers[0].Abstract, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2018, 3, 21, 10, 27, 32, TimeSpan.FromHours(3)), papers[0].PublishedAt);

        // Byte 0x85 is "…" in windows-1251 (not NEL).
        Assert.Contains(papers, p => p.Abstract?.Contains("которые заворачивает в шаблоны… пока она", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void CerclePsyWithoutDeclarationFallsBackToLatin1AndUsesLinksAsIds()
    {
        var papers = ParseReal("rss2-cerclepsy-no-xml-decl-latin1-no-guid.xml");

        // Ten items, one of them with neither title nor link.
        Assert.Equal(9, papers.Count);
        Assert.Equal("La criminalité liée surtout à... l'ennui ?", papers[2].Title);
        Assert.Equal("Caroline Eliacheff : « Dolto reste authentiquement subversive »", papers[3].Title);
        Assert.Equal("https://le-cercle-psy.scienceshumaines.com/la-criminalite-liee-surtout-a-l-ennui_sh_39986", papers[2].ExternalId);
        Assert.Equal(papers[2].ExternalId, papers[2].Links.Abstract);
        Assert.StartsWith("Si leur impact semble discret au premier abord, nombre d'études montrent", papers[0].Abstract, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2018, 10, 17, 10, 30, 0, TimeSpan.Zero), papers[0].PublishedAt);
    }

    [Fact]
    public void HeiseRss090RdfReadsItemsThatAreSiblingsOfTheChannel()
    {
        var papers = ParseReal("rss090-rdf-heise-utf8.xml");

        Assert.Equal(60, papers.Count);
        Assert.Equal("OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen", papers[0].Title);
        Assert.Equal("Mega-Deal: IBM übernimmt Red Hat", papers[1].Title);
        Assert.Equal("https://www.heise.de/newsticker/meldung/Mega-Deal-IBM-uebernimmt-Red-Hat-4205582.html?wt_mc=rss.ho.beitrag.rdf", papers[1].ExternalId);
        Assert.Equal(papers[1].ExternalId, papers[1].Links.Abstract);
        Assert.Null(papers[0].PublishedAt);
        Assert.Contains("\"enhanced Audio Return Channel\"", papers[4].Abstract, StringComparison.Ordinal);
    }

    [Fact]
    public void JpedsRss10PrismGivesLowerCaseDoiOneCreatorAndDcDate()
    {
        var paper = Assert.Single(ParseReal("rss10-rdf-prism-jpeds-atypon.xml"));

        Assert.Equal("HIV Exposure and Formula Feeding Predict Under-2 Mortality in HIV-Uninfected Children, Botswana", paper.Title);
        Assert.Equal("10.1016/j.jpeds.2018.08.009", paper.Doi);
        Assert.Null(paper.ArxivId);
        Assert.Equal("https://www.jpeds.com/article/S0022-3476(18)31119-3/fulltext?rss=yes", paper.ExternalId);
        Assert.Equal(new DateTimeOffset(2018, 10, 11, 0, 0, 0, TimeSpan.Zero), paper.PublishedAt);

        // One dc:creator is one author string, even when it lists several people.
        var author = Assert.Single(paper.Authors);
        Assert.StartsWith("Gbolahan Ajibola, Jean Leidner,", author, StringComparison.Ordinal);
        Assert.StartsWith("To prospectively assess rates and detailed predictors", paper.Abstract, StringComparison.Ordinal);
    }

    [Fact]
    public void GithubAtomTrimsPaddedTitlesAndReadsHtmlContent()
    {
        var papers = ParseReal("atom-github-commits-miniflux.xml");

        Assert.Equal(20, papers.Count);
        Assert.Equal("Parse podcast categories", papers[0].Title);
        Assert.Equal("Parse podcast categories", papers[0].Abstract);
        Assert.Equal("tag:github.com,2008:Grit::Commit/6d97f8b4582414b6ce69467656824690057d4793", papers[0].ExternalId);
        Assert.Equal("https://github.com/miniflux/v2/commit/6d97f8b4582414b6ce69467656824690057d4793", papers[0].Links.Abstract);
        Assert.Equal(["fguillot"], papers[0].Authors);
        Assert.Equal(new DateTimeOffset(2024, 3, 12, 5, 30, 27, TimeSpan.Zero), papers[0].UpdatedAt);
        Assert.Null(papers[0].PublishedAt);
    }

    [Fact]
    public void PhpbbAtomReadsCdataAuthorsAndDecodesHtmlTitles()
    {
        var papers = ParseReal("atom-phpbb-rainmeter-cdata.xml");

        Assert.Equal(10, papers.Count);
        Assert.Equal("Plugins & Addons • Re: Plugin: ColorExtract", papers[1].Title);
        Assert.Equal("http://rainmeter.net/forum/viewtopic.php?t=21411&p=116389#p116389", papers[1].ExternalId);
        Assert.Equal(["redsaph"], papers[1].Authors);
        Assert.Equal(["Plugins & Addons"], papers[1].Categories);
        Assert.Equal(new DateTimeOffset(2015, 10, 11, 13, 51, 44, TimeSpan.Zero), papers[1].PublishedAt);
        Assert.StartsWith("jsmorley wrote: You don't use the file name of the font", papers[0].Abstract, StringComparison.Ordinal);
    }

    [Fact]
    public void TumblrEscapedHtmlDescriptionsBecomePlainText()
    {
        var papers = ParseReal("rss2-tumblr-onethingwell-escaped-html.xml");

        Assert.Equal(20, papers.Count);
        Assert.Equal("CSVfix", papers[0].Title);
        Assert.Equal(["csv", "crossplatform", "utilities"], papers[0].Categories);
        Assert.Empty(papers[0].Authors);
        Assert.StartsWith("CSVfix: CSVfix is a command-line tool specifically designed to deal with CSV data.", papers[0].Abstract, StringComparison.Ordinal);
        Assert.Contains("Convert case, trim leading & trailing spaces", papers[0].Abstract, StringComparison.Ordinal);
        Assert.Equal("Gemini: Find and remove identical files on your Mac App Store", papers[1].Abstract);
    }

    [Fact]
    public void JsonFeed11ReadsItemAuthorsAndDates()
    {
        var papers = ParseReal("jsonfeed-1.1-daringfireball.json");

        Assert.Equal(48, papers.Count);
        var first = papers[0];
        Assert.Equal("MailTrackerBlocker for Apple Mail on MacOS", first.Title);
        Assert.Equal("https://daringfireball.net/linked/2021/02/26/mailtrackerblocker", first.ExternalId);
        Assert.Equal(["John Gruber"], first.Authors);
        Assert.Equal(new DateTimeOffset(2021, 2, 27, 1, 6, 30, TimeSpan.Zero), first.PublishedAt);
        Assert.Equal(new DateTimeOffset(2021, 2, 27, 1, 9, 39, TimeSpan.Zero), first.UpdatedAt);
        Assert.StartsWith("Open source plugin for Apple Mail on MacOS, by Aaron Lee: MailTrackerBlocker is a plugin", first.Abstract, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonFeed10TakesTheSingularFeedAuthor()
    {
        var paper = Assert.Single(ParseReal("jsonfeed-1.0-jsonfeed-org.json"));

        Assert.Equal("Announcing JSON Feed", paper.Title);
        Assert.Equal(["Brent Simmons and Manton Reece"], paper.Authors);
        Assert.Equal(new DateTimeOffset(2017, 5, 17, 8, 2, 12, TimeSpan.FromHours(-7)), paper.PublishedAt);
        Assert.Null(paper.UpdatedAt);
        Assert.StartsWith("We — Manton Reece and Brent Simmons — have noticed", paper.Abstract, StringComparison.Ordinal);
    }
}
