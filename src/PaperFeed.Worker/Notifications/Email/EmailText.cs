using System.Globalization;
using System.Text;

namespace PaperFeed.Worker.Notifications.Email;

/// <summary>Shortens and checks what papers say before it goes into a message.</summary>
public static class EmailText
{
    /// <summary>Authors listed before "et al.".</summary>
    public const int MaxAuthors = 5;

    /// <summary>About how long an abstract snippet may get, "…" not counted.</summary>
    public const int SnippetLength = 300;

    private const char Ellipsis = '…';

    /// <summary>"A, B, C" — or the first <see cref="MaxAuthors"/> and "et al." when there are more. Blank names are skipped.</summary>
    public static string Authors(IEnumerable<string> authors)
    {
        var names = authors.Select(OneLine).Where(a => a.Length > 0).ToList();
        var shown = string.Join(", ", names.Take(MaxAuthors));
        return names.Count > MaxAuthors ? shown + " et al." : shown;
    }

    /// <summary>
    /// The start of <paramref name="text"/> on one line: whole when it fits in <paramref name="length"/> characters,
    /// otherwise cut after the last whole word that fits, with "…". A single word longer than that is cut inside.
    /// Null for null or blank text.
    /// </summary>
    public static string? Snippet(string? text, int length = SnippetLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var line = OneLine(text);
        if (line.Length == 0)
        {
            return null;
        }

        if (line.Length <= length)
        {
            return line;
        }

        // Cut at the last space that leaves at least half the length; a text without one is cut mid-word
        // (never between the halves of a surrogate pair).
        var space = line.LastIndexOf(' ', length);
        var cut = space >= length / 2 ? space : length;
        if (char.IsHighSurrogate(line[cut - 1]))
        {
            cut--;
        }

        return line[..cut].TrimEnd(' ', ',', ';', ':', '.', '-', '–', '—') + Ellipsis;
    }

    /// <summary>The text with every run of whitespace (line breaks included) made one space, trimmed; "" for null.</summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Trim())
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>
    /// <paramref name="url"/> when it is an absolute http or https URL, otherwise null: a link from a source
    /// never becomes <c>javascript:</c> or <c>data:</c> in a message.
    /// </summary>
    public static string? WebLink(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.AbsoluteUri
            : null;

    /// <summary>
    /// A digest period's key for people: <c>2026-11-27</c> becomes "Friday 27 November 2026", <c>2026-W48</c>
    /// "week 48, 2026"; anything else comes back as it is.
    /// </summary>
    public static string PeriodLabel(string key)
    {
        if (DateOnly.TryParseExact(key, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture);
        }

        return TryParseWeek(key, out var year, out var week)
            ? string.Create(CultureInfo.InvariantCulture, $"week {week}, {year}")
            : key;
    }

    /// <summary>True for an ISO week key such as <c>2026-W48</c>.</summary>
    public static bool IsWeekKey(string key) => TryParseWeek(key, out _, out _);

    private static bool TryParseWeek(string key, out int year, out int week)
    {
        year = week = 0;
        var parts = key.Split("-W");
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out year)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out week)
            && week is >= 1 and <= 53;
    }
}
