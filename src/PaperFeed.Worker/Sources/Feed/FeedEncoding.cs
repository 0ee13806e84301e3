using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>
/// Turns a feed body into text. Precedence: byte order mark, then the XML declaration's encoding, then the
/// Content-Type charset, then UTF-8 when the bytes are valid UTF-8, else windows-1252.
/// </summary>
internal static partial class FeedEncoding
{
    [GeneratedRegex(@"^\s*<\?xml[^>]*?\sencoding\s*=\s*[""']\s*(?<name>[A-Za-z0-9._:\-]+)\s*[""']", RegexOptions.CultureInvariant)]
    private static partial Regex XmlDeclarationEncoding();

    [GeneratedRegex(@"charset\s*=\s*[""']?(?<name>[A-Za-z0-9._:\-]+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ContentTypeCharset();

    public static string Decode(ReadOnlySpan<byte> body, string? contentType)
    {
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8.GetString(body[3..]);
        }

        if (body.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || body.StartsWith((ReadOnlySpan<byte>)[0x3C, 0x00]))
        {
            return Encoding.Unicode.GetString(body.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) ? body[2..] : body);
        }

        if (body.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || body.StartsWith((ReadOnlySpan<byte>)[0x00, 0x3C]))
        {
            return Encoding.BigEndianUnicode.GetString(body.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) ? body[2..] : body);
        }

        // The declaration is ASCII by definition, so reading its bytes as Latin-1 is exact.
        var head = Encoding.Latin1.GetString(body[..Math.Min(body.Length, 512)]);
        var encoding = Lookup(XmlDeclarationEncoding().Match(head))
            ?? Lookup(contentType is null ? Match.Empty : ContentTypeCharset().Match(contentType));
        if (encoding is not null)
        {
            return encoding.GetString(body);
        }

        return Utf8.IsValid(body) ? Encoding.UTF8.GetString(body) : Windows1252.GetString(body);
    }

    private static Encoding Windows1252 { get; } = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    private static Encoding? Lookup(Match match)
    {
        if (!match.Success)
        {
            return null;
        }

        var name = match.Groups["name"].Value.ToLowerInvariant();

        // As browsers do (WHATWG Encoding): feeds labelled Latin-1 or ASCII are written on Windows more often
        // than not, and windows-1252 is a superset that also decodes their curly quotes and dashes.
        if (name is "iso-8859-1" or "iso8859-1" or "latin1" or "l1" or "us-ascii" or "ascii" or "iso_8859-1")
        {
            return Windows1252;
        }

        // A two-byte declaration on bytes that had no BOM and no NUL pattern is a lie; ASCII-compatible it is.
        if (name.StartsWith("utf-16", StringComparison.Ordinal) || name.StartsWith("utf-32", StringComparison.Ordinal))
        {
            return null;
        }

        // The code-pages provider is used directly instead of being registered process-wide: the parser then
        // changes no global state, and Encoding.GetEncoding still serves the built-in encodings.
        try
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(name) ?? Encoding.GetEncoding(name);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }
}
