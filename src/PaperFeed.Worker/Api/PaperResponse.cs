using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;

namespace PaperFeed.Worker.Api;

/// <summary>A paper as the HTTP API shows it (not the stored document: bookkeeping stays inside).</summary>
public sealed record PaperResponse(
    string Id,
    IReadOnlyList<string> Keys,
    string Title,
    string? Abstract,
    IReadOnlyList<string> Authors,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Keywords,
    string? Summary,
    int? Version,
    DateTimeOffset? PublishedAt,
    DateTimeOffset? UpdatedAt,
    DateTimeOffset? WithdrawnAt,
    PaperLinks Links,
    PaperMetrics Metrics,
    IReadOnlyList<Sighting> Sightings,
    DateTimeOffset FirstSeenAt)
{
    public static PaperResponse From(StoredPaper p) => new(
        p.Id, p.Keys, p.Title, p.Abstract, p.Authors, p.Categories, p.Keywords, p.Summary, p.Version, p.PublishedAt, p.UpdatedAt,
        p.WithdrawnAt, p.Links, p.Metrics, p.Sightings, p.FirstSeenAt);
}

public sealed record PaperListResponse(IReadOnlyList<PaperResponse> Items, string? NextCursor);

public sealed record SourceResponseItem(
    string Name,
    string Type,
    string? Url,
    string Schedule,
    bool Enabled,
    string? ConfigError,
    int ConsecutiveErrors,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? LastSuccessAt,
    int LastPaperCount,
    DateTimeOffset? BackoffUntil,
    DateTimeOffset? NextPollAt,
    string? Checkpoint);
