using System.Globalization;
using System.Text;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>Text shaping for chat messages: one-line snippets, escaping and length limits that never split an escape or a surrogate pair.</summary>
internal static class WebhookText
{
    public const string Ellipsis = "…";

    /// <summary>Runs of whitespace (line breaks included) become one space.</summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.AsSpan().Trim())
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> escaped by <paramref name="escape"/> and cut to at most <paramref name="max"/>
    /// characters, ending in an ellipsis when cut.
    /// </summary>
    public static string Fit(string text, int max, Func<char, string?>? escape = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var sb = new StringBuilder(Math.Min(text.Length, max) + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            var unit = pair ? text.Substring(i, 2) : escape?.Invoke(c) ?? c.ToString();
            var last = i + (pair ? 2 : 1) >= text.Length;
            var room = last ? max : max - Ellipsis.Length;
            if (sb.Length + unit.Length > room)
            {
                return sb.ToString().TrimEnd() + Ellipsis;
            }

            sb.Append(unit);
            if (pair)
            {
                i++;
            }
        }

        return sb.ToString();
    }

    /// <summary>Slack's three escapes for mrkdwn: &amp;, &lt; and &gt;.</summary>
    public static string? SlackEscape(char c) => c switch
    {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        _ => null,
    };

    /// <summary>A backslash before Discord's markdown characters, so a title shows as written and links cannot be masked.</summary>
    public static string? DiscordEscape(char c) => c switch
    {
        '\\' or '*' or '_' or '~' or '`' or '|' or '[' or ']' or '<' or '>' or '#' => "\\" + c,
        _ => null,
    };

    /// <summary>A URL that can be linked: absolute http(s), of sane length. Null otherwise.</summary>
    public static string? Linkable(string? url) =>
        url is { Length: > 0 and <= 1000 }
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.AbsoluteUri
            : null;

    /// <summary>At most six names; more become "A, B, C, D, E and 7 more".</summary>
    public static string Authors(IReadOnlyList<string> authors)
    {
        var names = authors.Select(OneLine).Where(a => a.Length > 0).ToList();
        return names.Count <= 6
            ? string.Join(", ", names)
            : $"{string.Join(", ", names.Take(5))} and {names.Count - 5} more";
    }

    public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
