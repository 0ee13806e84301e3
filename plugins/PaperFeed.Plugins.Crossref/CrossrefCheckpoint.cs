using System.Globalization;

namespace PaperFeed.Plugins.Crossref;

/// <summary>The checkpoint: the newest <c>indexed.date-time</c> seen, as Crossref writes it (<c>2026-06-06T19:55:37Z</c>).</summary>
internal static class CrossrefCheckpoint
{
    private const string IsoFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public static string Format(DateTimeOffset indexed) => indexed.UtcDateTime.ToString(IsoFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset? Read(string? checkpoint) =>
        DateTimeOffset.TryParse(checkpoint, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;
}
