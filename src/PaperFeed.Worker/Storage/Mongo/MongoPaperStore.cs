using System.Buffers.Text;
using System.Globalization;
using System.Text;
using MongoDB.Bson;
using MongoDB.Driver;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// Papers in MongoDB, one <see cref="PaperDocument"/> each; the unique multikey index on <c>keys</c> is what makes
/// deduplication a storage fact, as <c>paper_keys</c> is in SQLite. What a sighting does to a paper is decided by
/// <see cref="PaperMerge"/>, in memory, exactly as <see cref="Sqlite.SqlitePaperStore"/> does; a batch is then
/// written in one unordered bulk write. There is no transaction around the batch, so other workers may write the
/// same papers meanwhile: every replace names the <c>writeVersion</c> it read, and a paper whose write lost (its
/// version moved on, or another worker claimed one of its keys first) is re-read, re-merged and written again —
/// a conflict becomes an outcome (usually Unchanged or Updated instead of Added), never a failed batch.
/// </summary>
public sealed class MongoPaperStore(MongoDatabaseContext context, TimeProvider timeProvider) : IPaperStore
{
    /// <summary>Rounds of writing a batch before conflicts that keep recurring fail it (the message is then redelivered).</summary>
    internal const int MaxWriteRounds = 10;

    private const int MaxLimit = 200;

    private static readonly FilterDefinitionBuilder<PaperDocument> Filter = Builders<PaperDocument>.Filter;

    public async Task<IReadOnlyList<UpsertResult>> UpsertAsync(IReadOnlyList<PaperDiscovered> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        await context.InitializeAsync(cancellationToken);
        return await UpsertInRoundsAsync(
            batch,
            timeProvider.GetUtcNow(),
            async keys => await context.Papers.Find(OwningAnyOf(keys)).ToListAsync(cancellationToken),
            async writes =>
            {
                try
                {
                    await context.Papers.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
                    return [];
                }
                catch (MongoBulkWriteException<PaperDocument> e) when (e.WriteConcernError is null && e.WriteErrors.All(w => w.Category == ServerErrorCategory.DuplicateKey))
                {
                    // The other writes of the batch stand; only the papers that lost are merged again.
                    return e.WriteErrors.Select(w => w.Index).ToList();
                }
            });
    }

    /// <summary>
    /// The ingest of a batch, apart from the database: each round reads the papers owning any key of the messages
    /// still to do (<paramref name="read"/>), merges those messages into them in batch order, and writes the papers
    /// they changed (<paramref name="write"/>, which returns the indexes of the writes that lost to another writer).
    /// The messages merged into a paper whose write lost are done again in the next round, against what is stored then.
    /// </summary>
    internal static async Task<UpsertResult[]> UpsertInRoundsAsync(
        IReadOnlyList<PaperDiscovered> batch,
        DateTimeOffset now,
        Func<IReadOnlyList<string>, Task<List<PaperDocument>>> read,
        Func<IReadOnlyList<WriteModel<PaperDocument>>, Task<IReadOnlyList<int>>> write)
    {
        var results = new UpsertResult[batch.Count];
        var pending = Enumerable.Range(0, batch.Count).ToList();
        for (var round = 1; pending.Count > 0; round++)
        {
            if (round > MaxWriteRounds)
            {
                throw new InvalidOperationException(
                    $"mongo paper store: {pending.Count} sightings of the batch still conflicted with other writers after {MaxWriteRounds} rounds");
            }

            var keys = pending.SelectMany(i => PaperIdentity.KeysOf(batch[i].Paper)).Distinct(StringComparer.Ordinal).ToList();
            var plan = PlanRound(batch, pending, await read(keys), now, results);
            var lost = await write(plan.Select(p => p.Write).ToList());
            pending = lost.SelectMany(i => plan[i].Messages).Order().ToList();
        }

        return results;
    }

    /// <summary>A paper to write, and the messages of the batch merged into it.</summary>
    internal sealed record PlannedWrite(WriteModel<PaperDocument> Write, IReadOnlyList<int> Messages);

    /// <summary>
    /// Merges the messages at <paramref name="indexes"/> (in batch order) into <paramref name="stored"/> (the papers
    /// owning any of their keys) as <see cref="Sqlite.SqlitePaperStore"/> does, fills in their results, and returns
    /// the writes: one per paper they touched (even an Unchanged sighting is written: its last-seen time moved).
    /// </summary>
    internal static List<PlannedWrite> PlanRound(
        IReadOnlyList<PaperDiscovered> batch, IReadOnlyList<int> indexes, IReadOnlyList<PaperDocument> stored, DateTimeOffset now, UpsertResult[] results)
    {
        var ownerByKey = new Dictionary<string, WorkingPaper>(StringComparer.Ordinal);
        foreach (var document in stored)
        {
            var working = new WorkingPaper(document.Pk, document.ToPaper(), document.WriteVersion);
            foreach (var key in document.Keys)
            {
                ownerByKey[key] = working;
            }
        }

        var changed = new List<WorkingPaper>();
        foreach (var i in indexes)
        {
            var keys = PaperIdentity.KeysOf(batch[i].Paper);
            var owners = keys.Where(ownerByKey.ContainsKey).Distinct(StringComparer.Ordinal).ToDictionary(k => k, k => ownerByKey[k], StringComparer.Ordinal);
            var target = PaperMerge.ChooseTarget(keys, owners.ToDictionary(kv => kv.Key, kv => kv.Value.Paper, StringComparer.Ordinal));
            var targetWorking = target is null ? null : owners.Values.First(w => ReferenceEquals(w.Paper, target));
            var (paper, outcome) = PaperMerge.Apply(
                target, batch[i], now, key => ownerByKey.TryGetValue(key, out var owner) && !ReferenceEquals(owner, targetWorking));

            var working = targetWorking ?? new WorkingPaper(ObjectId.GenerateNewId(), paper, storedVersion: null);
            working.Paper = paper;
            working.Messages.Add(i);
            if (working.Messages.Count == 1)
            {
                changed.Add(working);
            }

            foreach (var key in paper.Keys)
            {
                ownerByKey[key] = working;
            }

            results[i] = new UpsertResult(outcome, paper);
        }

        return changed.Select(w => new PlannedWrite(WriteOf(w.Paper, w.Pk, w.StoredVersion), w.Messages)).ToList();
    }

    public async Task MarkAnnouncedAsync(IReadOnlyCollection<(string PaperId, int Revision)> announced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(announced);
        if (announced.Count == 0)
        {
            return;
        }

        await context.InitializeAsync(cancellationToken);
        // Ids are canonical keys, and a paper keeps every key it ever had, so an id announced before the paper gained
        // a higher-ranked key still finds it.
        var writes = announced.Select(a => MarkAnnounced(a.PaperId, a.Revision)).ToList();
        await context.Papers.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
    }

    public async Task<StoredPaper?> FindAsync(string key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        await context.InitializeAsync(cancellationToken);
        var lookup = PaperIdentity.LookupKey(key) ?? key.Trim();
        var document = await context.Papers.Find(Filter.AnyEq(p => p.Keys, lookup)).FirstOrDefaultAsync(cancellationToken);
        return document?.ToPaper();
    }

    public async Task<PaperPage> ListAsync(PaperQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, MaxLimit);
        if (ListFilter(query) is not { } filter)
        {
            // Nothing searchable in the text (only punctuation or operators): nothing can match it.
            return new PaperPage([], null);
        }

        await context.InitializeAsync(cancellationToken);
        var documents = await context.Papers
            .Find(filter)
            .Sort(NewestFirst)
            .Limit(limit + 1)
            .ToListAsync(cancellationToken);

        var items = documents.Take(limit).ToList();
        var next = documents.Count > limit ? EncodeCursor(items[^1].SortAt, items[^1].Pk) : null;
        return new PaperPage(items.Select(d => d.ToPaper()).ToList(), next);
    }

    /// <summary>Lists sort by date, newest first, and by <c>_id</c> within a date, so that pages are stable.</summary>
    internal static SortDefinition<PaperDocument> NewestFirst { get; } = Builders<PaperDocument>.Sort.Descending(p => p.SortAt).Descending(p => p.Pk);

    /// <summary>
    /// The query for <paramref name="query"/>'s filters and cursor; null when its text has nothing searchable, so that
    /// nothing can match.
    /// </summary>
    /// <exception cref="ArgumentException">The cursor is not one this store issued.</exception>
    internal static FilterDefinition<PaperDocument>? ListFilter(PaperQuery query)
    {
        var after = query.Cursor is { Length: > 0 } cursor ? DecodeCursor(cursor) : ((DateTime SortAt, ObjectId Pk)?)null;
        var filter = Filter.Empty;
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var words = MongoSearchWords.Query(query.Text);
            if (words.Count == 0)
            {
                return null;
            }

            filter &= Filter.All(p => p.Words, words);
        }

        if (query.Source is { Length: > 0 } source)
        {
            filter &= Filter.Eq(PaperDocument.SightingSourceField, source);
        }

        if (query.Since is { } since)
        {
            filter &= Filter.Gte(p => p.SortAt, MongoTime.ToMillis(since));
        }

        if (after is { } a)
        {
            filter &= Filter.Lt(p => p.SortAt, a.SortAt) | (Filter.Eq(p => p.SortAt, a.SortAt) & Filter.Lt(p => p.Pk, a.Pk));
        }

        return filter;
    }

    /// <summary>The papers that own any of <paramref name="keys"/> (the unique multikey index on <c>keys</c> answers it).</summary>
    internal static FilterDefinition<PaperDocument> OwningAnyOf(IEnumerable<string> keys) => Filter.AnyIn(p => p.Keys, keys);

    /// <summary>
    /// The write of a paper: an insert for a new one (<paramref name="storedVersion"/> null); else a replace that
    /// applies only while the stored <c>writeVersion</c> is still <paramref name="storedVersion"/>. The replace is an
    /// upsert, so that when the version has moved on it becomes an insert of the same <c>_id</c>, which fails with a
    /// duplicate key error naming this request: the paper is then merged again rather than silently not written.
    /// </summary>
    internal static WriteModel<PaperDocument> WriteOf(StoredPaper paper, ObjectId pk, long? storedVersion) =>
        storedVersion is { } version
            ? new ReplaceOneModel<PaperDocument>(
                Filter.Eq(p => p.Pk, pk) & Filter.Eq(p => p.WriteVersion, version),
                PaperDocument.From(paper, pk, version + 1)) { IsUpsert = true }
            : new InsertOneModel<PaperDocument>(PaperDocument.From(paper, pk, 1));

    /// <summary>
    /// Raises the announced revision of the paper owning <paramref name="paperId"/> (never lowers it). The version
    /// moves too, so that an ingest write based on the older state is merged again instead of overwriting this.
    /// </summary>
    internal static UpdateOneModel<PaperDocument> MarkAnnounced(string paperId, int revision) =>
        new(
            Filter.AnyEq(p => p.Keys, PaperIdentity.LookupKey(paperId) ?? paperId) & Filter.Lt(p => p.AnnouncedRevision, revision),
            Builders<PaperDocument>.Update.Set(p => p.AnnouncedRevision, revision).Inc(p => p.WriteVersion, 1));

    internal static string EncodeCursor(DateTime sortAt, ObjectId pk) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture, $"{new DateTimeOffset(sortAt, TimeSpan.Zero).ToUnixTimeMilliseconds()}|{pk}")));

    internal static (DateTime SortAt, ObjectId Pk) DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var parts = text.Split('|');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sortAt)
                && sortAt >= MinMillis && sortAt <= MaxMillis
                && parts[1].Length == 24
                && ObjectId.TryParse(parts[1], out var pk))
            {
                return (DateTime.UnixEpoch.AddTicks(sortAt * TimeSpan.TicksPerMillisecond), pk);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException(
            $"paper store: the cursor '{cursor}' is not one this store issued; pass the NextCursor of the previous page unchanged, or none for the first page",
            nameof(cursor));
    }

    private static readonly long MinMillis = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxMillis = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>A paper as this round of a batch sees it: as read (with its version), or new, and the messages merged into it.</summary>
    private sealed class WorkingPaper(ObjectId pk, StoredPaper paper, long? storedVersion)
    {
        public ObjectId Pk { get; } = pk;

        public StoredPaper Paper { get; set; } = paper;

        /// <summary>The <c>writeVersion</c> read; null for a paper this round creates.</summary>
        public long? StoredVersion { get; } = storedVersion;

        public List<int> Messages { get; } = [];
    }
}
