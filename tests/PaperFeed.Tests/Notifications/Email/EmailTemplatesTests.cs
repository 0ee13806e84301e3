using System.Text.RegularExpressions;
using PaperFeed.Worker.Notifications.Email;

namespace PaperFeed.Tests.Notifications.Email;

/// <summary>The embedded Liquid templates, both parts of each: what a reader sees, and that HTML is escaped.</summary>
public sealed class EmailTemplatesTests
{
    private const string Unsubscribe = "https://paperfeed.example.org/unsubscribe/sub_1?token=abc&sig=xyz";
    private const string Confirm = "https://paperfeed.example.org/confirm/sub_1?token=def";

    private static readonly EmailTemplates Templates = new();

    private static EmailPaper Paper(string title = "Sparse Mixtures of Experts at Scale", int? rank = null, int? upvotes = 42, int? revisedTo = null) => new(
        rank,
        title,
        EmailText.Authors(["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"]),
        EmailText.Snippet(EmailSamples.LongAbstract),
        "https://arxiv.org/abs/2611.01234",
        "https://arxiv.org/pdf/2611.01234",
        "https://github.com/example/sparse-moe",
        upvotes,
        revisedTo);

    [Fact]
    public void EveryTemplateIsEmbedded()
    {
        var names = typeof(EmailTemplates).Assembly.GetManifestResourceNames();

        Assert.All(EmailTemplates.Names, n => Assert.Contains($"PaperFeed.Worker.Notifications.Email.Templates.{n}", names));
    }

    [Fact]
    public async Task AnAlertShowsThePaperInBothParts()
    {
        var body = await Templates.RenderAlertAsync(new AlertEmail(Paper(), false, "Mixture of experts", Unsubscribe));

        Assert.StartsWith("New paper for \"Mixture of experts\"", body.Text, StringComparison.Ordinal);
        Assert.Contains("\nSparse Mixtures of Experts at Scale\n", body.Text, StringComparison.Ordinal);
        Assert.Contains("\nAda Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra, Barbara Liskov et al.\n", body.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Donald Knuth", body.Text, StringComparison.Ordinal);
        Assert.Contains("\n42 upvotes\n", body.Text, StringComparison.Ordinal);
        Assert.Contains("\n" + EmailText.Snippet(EmailSamples.LongAbstract) + "\n", body.Text, StringComparison.Ordinal);
        Assert.Contains("Abstract: https://arxiv.org/abs/2611.01234\n", body.Text, StringComparison.Ordinal);
        Assert.Contains("PDF:      https://arxiv.org/pdf/2611.01234\n", body.Text, StringComparison.Ordinal);
        Assert.Contains("Code:     https://github.com/example/sparse-moe\n", body.Text, StringComparison.Ordinal);
        Assert.EndsWith($"Unsubscribe: {Unsubscribe}\n", body.Text, StringComparison.Ordinal);

        Assert.Matches("<a href=\"https://arxiv\\.org/abs/2611\\.01234\"[^>]*>Sparse Mixtures of Experts at Scale</a>", body.Html);
        Assert.Contains("Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra, Barbara Liskov et al.", body.Html, StringComparison.Ordinal);
        Assert.Contains("42 upvotes", body.Html, StringComparison.Ordinal);
        Assert.Contains("…</p>", body.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://arxiv.org/pdf/2611.01234\"", body.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://github.com/example/sparse-moe\"", body.Html, StringComparison.Ordinal);
        Assert.Equal(HtmlAttribute(Unsubscribe), Links(body.Html)[^1]);
    }

    [Fact]
    public async Task TheSnippetIsCutNotTheWholeAbstract()
    {
        var body = await Templates.RenderAlertAsync(new AlertEmail(Paper(), false, null, Unsubscribe));

        Assert.DoesNotContain(EmailSamples.LongAbstract, body.Text, StringComparison.Ordinal);
        var snippetLine = body.Text.Split('\n').Single(l => l.EndsWith('…'));
        Assert.True(snippetLine.Length <= EmailText.SnippetLength + 1, snippetLine);
    }

    [Fact]
    public async Task UpvotesAppearOnlyWhenKnown()
    {
        var unknown = await Templates.RenderAlertAsync(new AlertEmail(Paper(upvotes: null), false, null, Unsubscribe));
        var one = await Templates.RenderAlertAsync(new AlertEmail(Paper(upvotes: 1), false, null, Unsubscribe));

        Assert.DoesNotContain("upvote", unknown.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("upvote", unknown.Html, StringComparison.Ordinal);
        Assert.Contains("\n1 upvote\n", one.Text, StringComparison.Ordinal);
        Assert.Contains("1 upvote</p>", one.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARevisionSaysWhichVersion()
    {
        var body = await Templates.RenderAlertAsync(new AlertEmail(Paper(revisedTo: 3), true, null, Unsubscribe));

        Assert.StartsWith("Revised to v3:", body.Text, StringComparison.Ordinal);
        Assert.Contains(">Revised to v3:", body.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingLinksAndAuthorsLeaveNoEmptyLines()
    {
        var bare = new EmailPaper(null, "Untitled Notes", "", null, null, null, null, null, null);

        var body = await Templates.RenderAlertAsync(new AlertEmail(bare, false, null, Unsubscribe));

        Assert.Equal(
            $"New paper\n\nUntitled Notes\n\n--\nYou get this e-mail because of your PaperFeed subscription.\nUnsubscribe: {Unsubscribe}\n",
            body.Text);
        Assert.DoesNotContain("Abstract", body.Html, StringComparison.Ordinal);
        Assert.Contains("Untitled Notes</h1>", body.Html, StringComparison.Ordinal);
        Assert.Equal([HtmlAttribute(Unsubscribe)], Links(body.Html));
    }

    [Fact]
    public async Task AHostileTitleIsEscapedInHtmlAndLeftAloneInText()
    {
        const string title = "<script>alert(\"x\")</script> & <b>bold</b>";
        var paper = Paper(title) with { Authors = "<img src=x onerror=alert(1)>" };

        var body = await Templates.RenderAlertAsync(new AlertEmail(paper, false, "<i>mine</i>", Unsubscribe));

        Assert.DoesNotContain("<script", body.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", body.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", body.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", body.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", body.Html, StringComparison.Ordinal);
        Assert.Contains("&amp; &lt;b&gt;bold&lt;/b&gt;", body.Html, StringComparison.Ordinal);

        Assert.Contains($"\n{title}\n", body.Text, StringComparison.Ordinal);
        Assert.Contains("<img src=x onerror=alert(1)>", body.Text, StringComparison.Ordinal);
        Assert.Contains("\"<i>mine</i>\"", body.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("&lt;", body.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("&amp;", body.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccentsAndTypographyStayReadableInHtml()
    {
        var body = await Templates.RenderAlertAsync(new AlertEmail(Paper("Schrödinger’s Gödel – a naïve café"), false, null, Unsubscribe));

        Assert.Contains(">Schrödinger’s Gödel – a naïve café</a>", body.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADigestListsThePapersInOrderWithTheirRank()
    {
        EmailPaper[] papers = [Paper("First Paper", rank: 1, upvotes: 90), Paper("Second Paper", rank: 2, upvotes: null), Paper("Third Paper", rank: 3, upvotes: 5)];

        var body = await Templates.RenderDigestAsync(new DigestEmail("daily", "Friday 27 November 2026", papers, null, Unsubscribe));

        Assert.StartsWith("Your daily digest: Friday 27 November 2026\n3 papers, most trending first.\n", body.Text, StringComparison.Ordinal);
        var first = body.Text.IndexOf("\n1. First Paper\n", StringComparison.Ordinal);
        var second = body.Text.IndexOf("\n2. Second Paper\n", StringComparison.Ordinal);
        var third = body.Text.IndexOf("\n3. Third Paper\n", StringComparison.Ordinal);
        Assert.True(first >= 0 && first < second && second < third, body.Text);
        Assert.Contains("   90 upvotes\n", body.Text, StringComparison.Ordinal);
        Assert.Contains("   Abstract: https://arxiv.org/abs/2611.01234\n", body.Text, StringComparison.Ordinal);
        Assert.EndsWith($"Unsubscribe: {Unsubscribe}\n", body.Text, StringComparison.Ordinal);

        Assert.Contains("Your weekly digest: week 48, 2026</h1>",
            (await Templates.RenderDigestAsync(new DigestEmail("weekly", "week 48, 2026", papers, null, Unsubscribe))).Html, StringComparison.Ordinal);
        Assert.Matches(
            "(?s)<span[^>]*>1\\.</span> <a href=\"https://arxiv\\.org/abs/2611\\.01234\"[^>]*>First Paper</a>.*"
            + "<span[^>]*>2\\.</span> <a[^>]*>Second Paper</a>.*<span[^>]*>3\\.</span> <a[^>]*>Third Paper</a>",
            body.Html);
        Assert.Contains("Friday 27 November 2026</h1>", body.Html, StringComparison.Ordinal);
        Assert.Equal(HtmlAttribute(Unsubscribe), Links(body.Html)[^1]);
    }

    [Fact]
    public async Task AOnePaperDigestSaysPaper()
    {
        var body = await Templates.RenderDigestAsync(new DigestEmail("daily", "Friday 27 November 2026", [Paper(rank: 1)], "Mine", Unsubscribe));

        Assert.Contains("\n1 paper for \"Mine\", most trending first.\n", body.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheConfirmationHasTheLinkAndPromisesNothingElse()
    {
        var body = await Templates.RenderConfirmationAsync(new ConfirmationEmail("reader@example.net", "Mixture of experts", Confirm));

        Assert.Contains($"\n{Confirm}\n", body.Text, StringComparison.Ordinal);
        Assert.Contains("reader@example.net", body.Text, StringComparison.Ordinal);
        Assert.Contains("Nothing is sent to this address until you confirm.", body.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("nsubscribe", body.Text, StringComparison.Ordinal);

        Assert.Contains(HtmlAttribute(Confirm), Links(body.Html));
        Assert.All(Links(body.Html), l => Assert.Equal(HtmlAttribute(Confirm), l));
        Assert.Contains("Nothing is sent to this address until you confirm.", body.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneInstanceRendersOnManyThreadsAtOnce()
    {
        var bodies = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            Task.Run(async () => await Templates.RenderAlertAsync(new AlertEmail(Paper($"Paper {i}"), false, null, Unsubscribe)))));

        Assert.All(bodies.Select((b, i) => (b, i)), x => Assert.Contains($">Paper {x.i}</a>", x.b.Html, StringComparison.Ordinal));
    }

    private static string[] Links(string html) =>
        Regex.Matches(html, "href=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();

    // How a URL reads inside an attribute after HTML encoding.
    private static string HtmlAttribute(string url) => url.Replace("&", "&amp;", StringComparison.Ordinal);
}
