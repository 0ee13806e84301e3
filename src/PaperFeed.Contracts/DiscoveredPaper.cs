namespace PaperFeed.Contracts;

/// <summary>
/// One paper as a source reports it. Only <see cref="ExternalId"/> and <see cref="Title"/> are required;
/// everything else is filled in where the source knows it.
/// </summary>
public sealed record DiscoveredPaper
{
    /// <summary>The source's own id for the item (a guid, a link, an arXiv id). Stable across polls.</summary>
    public required string ExternalId { get; init; }

    /// <summary>The title as plain text on one line.</summary>
    public required string Title { get; init; }

    /// <summary>The abstract as plain text (markup removed), or null.</summary>
    public string? Abstract { get; init; }

    /// <summary>Author names in the order given, as "Given Family" or "Family, Given".</summary>
    public IReadOnlyList<string> Authors { get; init; } = [];

    /// <summary>Subject categories (arXiv categories such as <c>cs.CL</c>, or feed categories).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Keywords the source attaches to the paper (e.g. Hugging Face's <c>ai_keywords</c>).</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>A one-paragraph summary the source wrote (e.g. Hugging Face's <c>ai_summary</c>), apart from the abstract.</summary>
    public string? Summary { get; init; }

    /// <summary>An arXiv id in any form PaperFeed understands (<c>2405.12345v2</c>, an abs URL, an OAI guid).</summary>
    public string? ArxivId { get; init; }

    /// <summary>A DOI in any form (bare, <c>doi:</c>, or a doi.org URL).</summary>
    public string? Doi { get; init; }

    /// <summary>The version of the paper this item describes (arXiv's vN), when known.</summary>
    public int? Version { get; init; }

    /// <summary>When the paper was first published.</summary>
    public DateTimeOffset? PublishedAt { get; init; }

    /// <summary>When the source last changed the item.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>When the paper was withdrawn, if it was.</summary>
    public DateTimeOffset? WithdrawnAt { get; init; }

    /// <summary>Where to read, download and find code for the paper.</summary>
    public PaperLinks Links { get; init; } = new();

    /// <summary>Popularity signals, where the source has them.</summary>
    public PaperMetrics Metrics { get; init; } = new();
}

/// <summary>Links to a paper.</summary>
public sealed record PaperLinks
{
    /// <summary>The abstract or landing page.</summary>
    public string? Abstract { get; init; }

    /// <summary>The PDF.</summary>
    public string? Pdf { get; init; }

    /// <summary>A code repository.</summary>
    public string? Code { get; init; }

    /// <summary>A project page.</summary>
    public string? Project { get; init; }
}

/// <summary>Popularity signals; null where the source does not report one.</summary>
public sealed record PaperMetrics
{
    /// <summary>Hugging Face upvotes or a similar score.</summary>
    public int? Upvotes { get; init; }

    /// <summary>Number of comments.</summary>
    public int? Comments { get; init; }

    /// <summary>Stars of the code repository.</summary>
    public int? GithubStars { get; init; }
}
