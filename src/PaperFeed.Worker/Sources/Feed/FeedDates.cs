using System.Globalization;
using System.Text.RegularExpressions;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>
/// Lenient date parsing for feeds: RFC 822 with named or numeric zones, ISO 8601 (with or without time and
/// zone), and odd forms such as <c>2018-12-17-08:00</c>. What cannot be read is null, never an error.
/// </summary>
internal static partial class FeedDates
{
    // "Wed, 17 Oct 2018 10:30:00 GMT", "17 Oct 18 10:30 +0100", "Sun, 28 Oct 2018 13:48:00 EDT".
    [GeneratedRegex(@"^(?:[A-Za-z]+\.?,?\s*)?(?<d>\d{1,2})[\s-]+(?<mon>[A-Za-z]{3,})\.?[\s-]+(?<y>\d{2,4})(?:[\sT]+(?<h>\d{1,2}):(?<min>\d{2})(?::(?<s>\d{2})(?:\.\d+)?)?)?\s*(?<zone>[A-Za-z]{1,5}|[+-]\d{2}:?\d{2})?(?:\s*\(.*\))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc822();

    // A date with a zone but no time: "2018-12-17-08:00", "2018-12-17Z", "2018-12-17+0100".
    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})(?<zone>Z|[+-]\d{2}:?\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateWithZone();

    private static readonly Dictionary<string, int> ZoneHours = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GMT"] = 0, ["UT"] = 0, ["UTC"] = 0, ["Z"] = 0, ["WET"] = 0,
        ["EST"] = -5, ["EDT"] = -4, ["CST"] = -6, ["CDT"] = -5, ["MST"] = -7, ["MDT"] = -6, ["PST"] = -8, ["PDT"] = -7,
        ["AKST"] = -9, ["AKDT"] = -8, ["HST"] = -10, ["AST"] = -4, ["ADT"] = -3,
        ["BST"] = 1, ["CET"] = 1, ["CEST"] = 2, ["MET"] = 1, ["MEST"] = 2, ["EET"] = 2, ["EEST"] = 3, ["WEST"] = 1,
        ["MSK"] = 3, ["JST"] = 9, ["KST"] = 9, ["AEST"] = 10, ["AEDT"] = 11, ["NZST"] = 12, ["NZDT"] = 13,
    };

    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    public static DateTimeOffset? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var s = string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        try
        {
            return ParseRfc822(s) ?? ParseDateWithZone(s) ?? ParseIso(s);
        }
        catch (ArgumentException)
        {
            // An out-of-range part (hour 25, offset +15:00) is as unreadable as garbage.
            return null;
        }
    }

    private static DateTimeOffset? ParseRfc822(string s)
    {
        var m = Rfc822().Match(s);
        if (!m.Success)
        {
            return null;
        }

        var month = Array.IndexOf(Months, m.Groups["mon"].Value[..3].ToLowerInvariant()) + 1;
        if (month == 0)
        {
            return null;
        }

        var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
        if (m.Groups["y"].Length == 2)
        {
            year += year < 50 ? 2000 : 1900;
        }

        var offset = TimeSpan.Zero;
        if (m.Groups["zone"].Success)
        {
            // An unknown zone name is read as UTC: a few hours off beats no date at all.
            offset = ParseOffset(m.Groups["zone"].Value) ?? (ZoneHours.TryGetValue(m.Groups["zone"].Value, out var h) ? TimeSpan.FromHours(h) : TimeSpan.Zero);
        }

        return new DateTimeOffset(year, month, Int(m, "d"), Int(m, "h"), Int(m, "min"), Int(m, "s"), offset);
    }

    private static DateTimeOffset? ParseDateWithZone(string s)
    {
        var m = DateWithZone().Match(s);
        if (!m.Success || !DateTime.TryParseExact(m.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return null;
        }

        return new DateTimeOffset(date, ParseOffset(m.Groups["zone"].Value) ?? TimeSpan.Zero);
    }

    private static DateTimeOffset? ParseIso(string s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed)
            ? parsed
            : null;

    private static TimeSpan? ParseOffset(string zone)
    {
        if (zone.Length < 5 || zone[0] is not ('+' or '-'))
        {
            return null;
        }

        var digits = zone[1..].Replace(":", "", StringComparison.Ordinal);
        var span = new TimeSpan(int.Parse(digits[..2], CultureInfo.InvariantCulture), int.Parse(digits[2..], CultureInfo.InvariantCulture), 0);
        return zone[0] == '-' ? -span : span;
    }

    private static int Int(Match m, string group) =>
        m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
}
