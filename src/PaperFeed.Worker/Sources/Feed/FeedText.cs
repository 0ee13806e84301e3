using System.Net;
using System.Text.RegularExpressions;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>Plain text from feed text that may hold HTML, escaped HTML or entities.</summary>
internal static partial class FeedText
{
    [GeneratedRegex(@"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Invisible();

    [GeneratedRegex(@"</?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|blockquote|pre|section|article|header|footer|figure|figcaption)\b[^>]*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"</?[A-Za-z][^>]*>|<![^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    /// <summary>Markup removed, entities decoded, whitespace collapsed to single spaces; null when nothing is left.</summary>
    public static string? Plain(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        // Two rounds: text that was escaped twice (&amp;lt;b&amp;gt;) still holds markup after the first.
        var s = text;
        for (var round = 0; round < 2 && (s.Contains('<', StringComparison.Ordinal) || s.Contains('&', StringComparison.Ordinal)); round++)
        {
            s = Invisible().Replace(s, " ");
            s = BlockTag().Replace(s, " ");
            s = AnyTag().Replace(s, "");
            s = WebUtility.HtmlDecode(s);
        }

        s = Whitespace().Replace(s, " ").Trim();
        return s.Length == 0 ? null : s;
    }
}
