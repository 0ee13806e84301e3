using System.Net;
using System.Text.RegularExpressions;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>Plain text from feed text that may hold HTML, escaped HTML or entities.</summary>
internal static partial class FeedText
{
    // Linear-time matching: with backtracking, text holding many "<script" (or "<!--", or "<a") and no end to
    // them costs a scan to the end of the text per opening, hours for a few megabytes of hostile feed text.
    private const RegexOptions Linear = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    private static readonly Regex InvisibleMarkup = new(
        @"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<noscript\b.*?</noscript\s*>|<template\b.*?</template\s*>|<!--.*?-->",
        Linear | RegexOptions.IgnoreCase | RegexOptions.Singleline);

    private static readonly Regex BlockTags = new(
        @"</?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|blockquote|pre|section|article|header|footer|figure|figcaption)\b[^>]*>",
        Linear | RegexOptions.IgnoreCase);

    private static readonly Regex AnyTags = new(@"</?[A-Za-z][^>]*>|<![^>]*>", Linear);

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
            s = InvisibleMarkup.Replace(s, " ");
            s = BlockTags.Replace(s, " ");
            s = AnyTags.Replace(s, "");
            s = WebUtility.HtmlDecode(s);
        }

        s = Whitespace().Replace(s, " ").Trim();
        return s.Length == 0 ? null : s;
    }
}
