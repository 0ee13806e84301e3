namespace PaperFeed.Contracts;

/// <summary>
/// A source saw a paper. Published once per paper per poll; consumers deduplicate,
/// so publishing the same paper again is always safe.
/// </summary>
/// <param name="Source">The configured name of the source that saw the paper.</param>
/// <param name="Paper">What the source said about the paper.</param>
/// <param name="DiscoveredAt">When the poll that saw it ran.</param>
public sealed record PaperDiscovered(string Source, DiscoveredPaper Paper, DateTimeOffset DiscoveredAt);

/// <summary>A paper PaperFeed had never seen before was stored.</summary>
/// <param name="PaperId">The canonical id (<c>arxiv:…</c>, <c>doi:…</c> or <c>title:…</c>).</param>
/// <param name="Paper">The stored state that matching needs.</param>
public sealed record PaperAdded(string PaperId, PaperSummary Paper);

/// <summary>A stored paper got a new version (or was withdrawn).</summary>
/// <param name="PaperId">The canonical id.</param>
/// <param name="Paper">The stored state after the revision.</param>
public sealed record PaperRevised(string PaperId, PaperSummary Paper);

/// <summary>The stored state of a paper as announced to matching and delivery.</summary>
/// <param name="Title">Title, plain text.</param>
/// <param name="Abstract">Abstract, plain text.</param>
/// <param name="Authors">Author names in order.</param>
/// <param name="Categories">Subject categories from every source.</param>
/// <param name="Sources">Names of the sources that saw the paper.</param>
/// <param name="Version">The latest known version.</param>
/// <param name="PublishedAt">First publication.</param>
/// <param name="Links">Links to the paper.</param>
/// <param name="Metrics">The latest metrics.</param>
/// <param name="WithdrawnAt">When it was withdrawn, if it was.</param>
/// <param name="Revision">Increments with every announced change; (PaperId, Revision) identifies an announcement.</param>
public sealed record PaperSummary(
    string Title,
    string? Abstract,
    IReadOnlyList<string> Authors,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Sources,
    int? Version,
    DateTimeOffset? PublishedAt,
    PaperLinks Links,
    PaperMetrics Metrics,
    DateTimeOffset? WithdrawnAt,
    int Revision);

/// <summary>Send (or retry) one stored delivery. Safe to publish any number of times: the delivery is claimed
/// before it is sent, and a delivered or dead one is never sent again.</summary>
/// <param name="DeliveryId">The delivery's id (also the <c>webhook-id</c> and the e-mail's Message-ID).</param>
public sealed record DeliverNotification(string DeliveryId);

/// <summary>Poll a source now, ignoring any back-off: sent by a process without the poller role (an API-only
/// worker) for one of the pollers to act on.</summary>
/// <param name="Source">The configured source's name.</param>
public sealed record PollRequested(string Source);
