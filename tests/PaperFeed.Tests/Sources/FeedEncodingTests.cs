using System.Text;
using Xunit;
using static PaperFeed.Tests.Sources.FeedParserFixtureTests;

namespace PaperFeed.Tests.Sources;

/// <summary>
/// Encoding precedence of the feed parser: BOM, XML declaration, Content-Type charset, valid UTF-8, windows-1252.
/// </summary>
public sealed class FeedEncodingTests
{
    private static readonly Encoding Cp1251 = CodePagesEncodingProvider.Instance.GetEncoding(1251)!;
    private static readonly Encoding Cp1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    private static string Rss(string title, string declaration = "") =>
        $"{declaration}<rss version=\"2.0\"><channel><item><title>{title}</title><link>https://example.org/1</link></item></channel></rss>";

    [Fact]
    public void ContentTypeCharsetIsUsedWhenThereIsNoDeclaration()
    {
        var body = Cp1251.GetBytes(Rss("Привет"));

        Assert.Equal("Привет", Single(body, "application/rss+xml; charset=windows-1251").Title);
    }

    [Fact]
    public void DeclarationWinsOverContentType()
    {
        var body = Cp1251.GetBytes(Rss("Привет", "<?xml version=\"1.0\" encoding=\"windows-1251\"?>"));

        Assert.Equal("Привет", Single(body, "text/xml; charset=utf-8").Title);
    }

    [Fact]
    public void ByteOrderMarkWinsOverDeclaration()
    {
        var body = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Rss("Grüße", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"))).ToArray();

        Assert.Equal("Grüße", Single(body).Title);
    }

    [Fact]
    public void Utf16WithByteOrderMarkIsRead()
    {
        var body = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Rss("Grüße", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>"))).ToArray();

        Assert.Equal("Grüße", Single(body).Title);
    }

    [Fact]
    public void ValidUtf8WithoutAnyLabelIsUtf8()
    {
        Assert.Equal("Grüße “quoted”", Single(Encoding.UTF8.GetBytes(Rss("Grüße “quoted”"))).Title);
    }

    [Fact]
    public void InvalidUtf8WithoutAnyLabelFallsBackToWindows1252()
    {
        // 0x93/0x94 are curly quotes in windows-1252 (control characters in ISO-8859-1).
        Assert.Equal("Grüße “quoted”", Single(Cp1252.GetBytes(Rss("Grüße “quoted”"))).Title);
    }

    [Theory]
    [InlineData("x-no-such-encoding")]
    [InlineData("utf-7")]
    public void UnknownOrRefusedDeclaredEncodingFallsThroughToTheNextRule(string declared)
    {
        var body = Encoding.UTF8.GetBytes(Rss("Grüße", $"<?xml version=\"1.0\" encoding=\"{declared}\"?>"));

        Assert.Equal("Grüße", Single(body).Title);
    }
}
