using System.Globalization;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.Arxiv;

/// <summary>
/// Where an <c>arxiv-api</c> poll began: the newest <c>published</c> time it saw, and the (versionless) ids of
/// every paper published at exactly that second. Written as <c>2025-03-07T12:39:59Z 2503.05378 2503.05379</c>.
/// </summary>
/// <remarks>
/// The ids are kept because arXiv's timestamps have whole seconds, and two submissions can share one: with the
/// time alone, the next poll would either publish the boundary papers again (at or after) or miss one announced
/// later with the same second (strictly after). The API sorts by submission date (the published date of v1), so a
/// revision does not come back to the top; revisions are the arxiv-rss source's to report.
/// </remarks>
public sealed record ArxivApiCheckpoint(DateTimeOffset Published, IReadOnlySet<string> Ids)
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>Reads a checkpoint written by <see cref="ToString"/>; null when it is absent or unreadable.</summary>
    public static ArxivApiCheckpoint? Parse(string? checkpoint)
    {
        var parts = checkpoint?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (parts.Length == 0
            || !DateTimeOffset.TryParseExact(parts[0], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var published))
        {
            return null;
        }

        return new ArxivApiCheckpoint(published, new HashSet<string>(parts[1..], StringComparer.Ordinal));
    }

    /// <summary>True for a paper this checkpoint's poll or an earlier one already saw.</summary>
    public bool Covers(DiscoveredPaper paper) =>
        paper.PublishedAt is { } at && (at < Published || (at == Published && Ids.Contains(paper.ExternalId)));

    /// <summary>
    /// The checkpoint after a poll that found <paramref name="papers"/> (none of them covered by
    /// <paramref name="previous"/>): the newest of them, merged with the previous one at the same second.
    /// </summary>
    public static ArxivApiCheckpoint? After(ArxivApiCheckpoint? previous, IEnumerable<DiscoveredPaper> papers)
    {
        var dated = papers.Where(p => p.PublishedAt is not null).ToList();
        if (dated.Count == 0)
        {
            return previous;
        }

        var newest = dated.Max(p => p.PublishedAt!.Value);
        if (previous is not null && previous.Published > newest)
        {
            return previous;
        }

        var ids = new HashSet<string>(dated.Where(p => p.PublishedAt == newest).Select(p => p.ExternalId), StringComparer.Ordinal);
        if (previous is not null && previous.Published == newest)
        {
            ids.UnionWith(previous.Ids);
        }

        return new ArxivApiCheckpoint(newest, ids);
    }

    public override string ToString() =>
        string.Join(' ', Ids.Order(StringComparer.Ordinal).Prepend(Published.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)));
}
