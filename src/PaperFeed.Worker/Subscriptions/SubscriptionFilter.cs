namespace PaperFeed.Worker.Subscriptions;

/// <summary>
/// Which papers a subscription wants. Every facet that is set must hold (AND); within a facet one value is
/// enough (OR). Keywords are words or "quoted phrases" matched case- and accent-insensitively against whole
/// words of the title and abstract; an excluded keyword anywhere drops the paper.
/// </summary>
public sealed record SubscriptionFilter
{
    /// <summary>Words or phrases, one per entry; a phrase is several words (quotes optional in an entry).</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>Words or phrases that exclude a paper.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Categories such as <c>cs.CL</c>, or a whole archive as <c>cs.*</c>.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Author names ("Yann LeCun"); a single word matches a family name.</summary>
    public IReadOnlyList<string> Authors { get; init; } = [];

    /// <summary>Configured source names; the paper must have been seen by one of them.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>At least this many upvotes (papers without an upvote count do not match).</summary>
    public int? MinUpvotes { get; init; }

    /// <summary>Only papers with a code repository link.</summary>
    public bool HasCode { get; init; }
}
