using System.Net;
using System.Text.RegularExpressions;

namespace PaperFeed.Plugins.Crossref;

/// <summary>Plain text from Crossref's JATS / HTML fragments (<c>&lt;jats:p&gt;</c>, <c>&lt;p&gt;</c>, <c>&lt;i&gt;</c>).</summary>
internal static partial class CrossrefText
{
    // Many abstracts open with a bare heading, <jats:title>Abstract</jats:title>: it says nothing, so it goes.
    [GeneratedRegex(@"<(?:jats:)?title\b[^>]*>\s*Abstract\s*</(?:jats:)?title\s*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex AbstractHeading();

    // Block elements separate words; inline ones (<i>, <jats:sub>) must not split "H<sub>2</sub>O".
    [GeneratedRegex(@"</?(?:jats:)?(?:p|sec|title|list|list-item|br|div|li|ul|ol|table|tr|td|th|h[1-6]|disp-quote|label|caption)\b[^>]*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"</?[A-Za-z][^>]*>|<!--.*?-->", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
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

        var s = text;
        if (s.Contains('<', StringComparison.Ordinal))
        {
            s = AbstractHeading().Replace(s, " ");
            s = BlockTag().Replace(s, " ");
            s = AnyTag().Replace(s, "");
        }

        // Decoded last, so an escaped "&lt;" in the text stays a literal "<" instead of being read as a tag.
        s = WebUtility.HtmlDecode(s);
        s = Whitespace().Replace(s, " ").Trim();
        return s.Length == 0 ? null : s;
    }
}
