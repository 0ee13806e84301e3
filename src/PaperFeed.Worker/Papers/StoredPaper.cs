using PaperFeed.Contracts;

namespace PaperFeed.Worker.Papers;

/// <summary>
/// The one record PaperFeed keeps per paper, whichever sources saw it. Both store adapters persist it as a
/// document; <see cref="PaperMerge"/> decides how an incoming sighting changes it.
/// </summary>
public sealed record StoredPaper
{
    /// <summary>The canonical id: the highest-ranked of <see cref="Keys"/> (arxiv, then doi, then title).</summary>
    public required string Id { get; init; }

    /// <summary>Every identity key any source gave the paper; each belongs to one paper only.</summary>
    public required IReadOnlyList<string> Keys { get; init; }

    public required string Title { get; init; }
    public string? Abstract { get; init; }
    public IReadOnlyList<string> Authors { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public IReadOnlyList<string> Keywords { get; init; } = [];
    public string? Summary { get; init; }
    public int? Version { get; init; }
    public DateTimeOffset? PublishedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public DateTimeOffset? WithdrawnAt { get; init; }
    public PaperLinks Links { get; init; } = new();
    public PaperMetrics Metrics { get; init; } = new();
    public IReadOnlyList<Sighting> Sightings { get; init; } = [];
    public IReadOnlyList<MetricSample> MetricHistory { get; init; } = [];

    /// <summary>Increments on Added (to 1) and on every revision.</summary>
    public int Revision { get; init; }

    /// <summary>The last revision whose announcement was published; below <see cref="Revision"/> means one is owed.</summary>
    public int AnnouncedRevision { get; init; }

    public DateTimeOffset FirstSeenAt { get; init; }
    public DateTimeOffset LastChangedAt { get; init; }

    /// <summary>The date lists sort by: publication, or first sighting where the source gave none.</summary>
    public DateTimeOffset SortAt => PublishedAt ?? FirstSeenAt;

    public PaperSummary ToSummary() => new(
        Title, Abstract, Authors, Categories,
        Sightings.Select(s => s.Source).Distinct(StringComparer.Ordinal).ToList(),
        Version, PublishedAt, Links, Metrics, WithdrawnAt, Revision);
}

/// <summary>One source's view of the paper.</summary>
public sealed record Sighting(string Source, string ExternalId, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt);

/// <summary>Metrics as seen at one moment, kept for ranking by trend.</summary>
public sealed record MetricSample(DateTimeOffset At, PaperMetrics Metrics);
