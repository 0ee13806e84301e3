using PaperFeed.Worker.Notifications.Email;

namespace PaperFeed.Tests.Notifications.Email;

public sealed class EmailTextTests
{
    [Fact]
    public void FiveAuthorsAreListedInFull()
    {
        Assert.Equal("A, B, C, D, E", EmailText.Authors(["A", "B", "C", "D", "E"]));
    }

    [Fact]
    public void MoreThanFiveAuthorsEndInEtAl()
    {
        Assert.Equal("A, B, C, D, E et al.", EmailText.Authors(["A", "B", "C", "D", "E", "F"]));
    }

    [Fact]
    public void BlankAuthorsAreSkippedAndNamesPutOnOneLine()
    {
        Assert.Equal("Ada Lovelace, Alan Turing", EmailText.Authors(["Ada\n  Lovelace", " ", "Alan Turing"]));
        Assert.Equal("", EmailText.Authors([]));
    }

    [Fact]
    public void AShortAbstractIsKeptWhole()
    {
        Assert.Equal("We propose the Transformer.", EmailText.Snippet("  We propose\nthe   Transformer.  "));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n\t ")]
    public void NoAbstractGivesNoSnippet(string? text)
    {
        Assert.Null(EmailText.Snippet(text));
    }

    [Fact]
    public void ALongAbstractIsCutAtAWordBoundaryWithAnEllipsis()
    {
        var words = string.Join(' ', Enumerable.Range(0, 100).Select(i => $"word{i:00}")); // 6 characters + space each

        var snippet = EmailText.Snippet(words)!;

        Assert.EndsWith("…", snippet, StringComparison.Ordinal);
        var body = snippet[..^1];
        Assert.True(body.Length <= EmailText.SnippetLength, $"{body.Length} characters");
        Assert.True(body.Length > EmailText.SnippetLength - 8, "cut at the last boundary, not earlier");
        Assert.StartsWith(body, words, StringComparison.Ordinal);
        Assert.Equal(' ', words[body.Length]); // the next character was a space: no word was split
        Assert.Matches("word\\d\\d$", body);
    }

    [Fact]
    public void TrailingPunctuationGoesBeforeTheEllipsis()
    {
        Assert.Equal("alpha beta…", EmailText.Snippet("alpha beta, gamma delta", 12));
    }

    [Fact]
    public void AWordLongerThanTheSnippetIsCutInside()
    {
        Assert.Equal(new string('x', 10) + "…", EmailText.Snippet(new string('x', 40), 10));
    }

    [Fact]
    public void ASurrogatePairIsNeverSplit()
    {
        var text = new string('a', 9) + "😀" + "bbbb";

        Assert.Equal(new string('a', 9) + "…", EmailText.Snippet(text, 10));
    }

    [Theory]
    [InlineData("https://arxiv.org/abs/2611.01234", "https://arxiv.org/abs/2611.01234")]
    [InlineData(" http://example.org/a?b=c&d=e ", "http://example.org/a?b=c&d=e")]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("data:text/html,<script>alert(1)</script>", null)]
    [InlineData("/relative/path", null)]
    [InlineData("ftp://example.org/paper.pdf", null)]
    [InlineData(null, null)]
    public void OnlyWebLinksAreKept(string? url, string? expected)
    {
        Assert.Equal(expected, EmailText.WebLink(url));
    }

    [Theory]
    [InlineData("2026-11-27", "Friday 27 November 2026")]
    [InlineData("2026-W48", "week 48, 2026")]
    [InlineData("2027-W01", "week 1, 2027")]
    [InlineData("spring", "spring")]
    public void PeriodKeysReadAsDaysAndWeeks(string key, string expected)
    {
        Assert.Equal(expected, EmailText.PeriodLabel(key));
    }
}
