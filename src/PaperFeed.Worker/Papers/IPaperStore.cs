using PaperFeed.Contracts;

namespace PaperFeed.Worker.Papers;

/// <summary>What storing one sighting did to the paper record.</summary>
public enum UpsertOutcome
{
    /// <summary>No stored paper had any of its identity keys: a new paper.</summary>
    Added,

    /// <summary>A new version, or a withdrawal: announced again.</summary>
    Revised,

    /// <summary>Something worth keeping changed (a sighting, metrics, missing fields), nothing to announce.</summary>
    Updated,

    /// <summary>Nothing changed but the time it was last seen.</summary>
    Unchanged,
}

/// <summary>The outcome for one message of a batch, in batch order.</summary>
/// <param name="Paper">The stored paper after the write.</param>
public sealed record UpsertResult(UpsertOutcome Outcome, StoredPaper Paper)
{
    /// <summary>True when the stored revision has not been announced yet (new, revised, or an earlier announcement may have been lost).</summary>
    public bool NeedsAnnouncement => Paper.Revision > Paper.AnnouncedRevision;
}

/// <summary>A page of papers, newest first.</summary>
public sealed record PaperPage(IReadOnlyList<StoredPaper> Items, string? NextCursor);

/// <summary>Filters for listing papers.</summary>
/// <param name="Text">Full-text search over title, abstract and authors.</param>
/// <param name="Source">Only papers seen by this source.</param>
/// <param name="Since">Only papers whose sort date is at or after this.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Cursor">The <see cref="PaperPage.NextCursor"/> of the previous page.</param>
public sealed record PaperQuery(string? Text = null, string? Source = null, DateTimeOffset? Since = null, int Limit = 50, string? Cursor = null);

/// <summary>Stored papers: one record per paper across all sources (unique over every identity key).</summary>
public interface IPaperStore
{
    /// <summary>
    /// Writes a batch of sightings in one transaction and returns one result per message, in order.
    /// Messages about the same paper within the batch are applied one after the other.
    /// </summary>
    Task<IReadOnlyList<UpsertResult>> UpsertAsync(IReadOnlyList<PaperDiscovered> batch, CancellationToken cancellationToken);

    /// <summary>Records that the announcement of (paper id, revision) was published.</summary>
    Task MarkAnnouncedAsync(IReadOnlyCollection<(string PaperId, int Revision)> announced, CancellationToken cancellationToken);

    /// <summary>Finds a paper by any of its identity keys (<c>arxiv:…</c>, <c>doi:…</c>, <c>title:…</c>).</summary>
    Task<StoredPaper?> FindAsync(string key, CancellationToken cancellationToken);

    /// <summary>Lists papers newest first (by <see cref="StoredPaper.SortAt"/>), with cursor paging.</summary>
    Task<PaperPage> ListAsync(PaperQuery query, CancellationToken cancellationToken);
}
