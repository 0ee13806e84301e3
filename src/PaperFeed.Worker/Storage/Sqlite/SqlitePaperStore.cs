using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;

namespace PaperFeed.Worker.Storage.Sqlite;

/// <summary>
/// Papers in SQLite: the document as JSON in <c>papers.doc</c>, every identity key in <c>paper_keys</c> (its
/// primary key is the uniqueness that makes deduplication a storage fact), sightings for the source filter and
/// an FTS5 index for text search. What a sighting does to a paper is decided by <see cref="PaperMerge"/>.
/// </summary>
public sealed class SqlitePaperStore(SqliteDatabase database, TimeProvider timeProvider) : IPaperStore
{
    private const int MaxLimit = 200;
    private const int MaxSearchTerms = 16;

    public async Task<IReadOnlyList<UpsertResult>> UpsertAsync(IReadOnlyList<PaperDiscovered> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        var now = timeProvider.GetUtcNow();
        await database.WriteLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var tx = connection.BeginTransaction(deferred: false);
            using var writer = new BatchWriter(connection, tx);
            var results = new List<UpsertResult>(batch.Count);
            foreach (var message in batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                results.Add(writer.Upsert(message, now));
            }

            await tx.CommitAsync(cancellationToken);
            return results;
        }
        finally
        {
            database.WriteLock.Release();
        }
    }

    public async Task MarkAnnouncedAsync(IReadOnlyCollection<(string PaperId, int Revision)> announced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(announced);
        if (announced.Count == 0)
        {
            return;
        }

        await database.WriteLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var tx = connection.BeginTransaction(deferred: false);
            // Ids are canonical keys, and a paper keeps every key it ever had, so an id announced before the paper
            // gained a higher-ranked key still finds it.
            using var mark = Command(
                connection,
                tx,
                "UPDATE papers SET announced = $revision WHERE announced < $revision AND pk = (SELECT paper_pk FROM paper_keys WHERE key = $key)",
                "$revision",
                "$key");
            foreach (var (paperId, revision) in announced)
            {
                mark.Parameters["$key"].Value = PaperIdentity.LookupKey(paperId) ?? paperId;
                mark.Parameters["$revision"].Value = revision;
                mark.ExecuteNonQuery();
            }

            await tx.CommitAsync(cancellationToken);
        }
        finally
        {
            database.WriteLock.Release();
        }
    }

    public async Task<StoredPaper?> FindAsync(string key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT p.doc, p.announced FROM paper_keys k JOIN papers p ON p.pk = k.paper_pk WHERE k.key = $key";
        command.Parameters.AddWithValue("$key", PaperIdentity.LookupKey(key) ?? key.Trim());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadPaper(reader, 0) : null;
    }

    public async Task<PaperPage> ListAsync(PaperQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, MaxLimit);
        var after = query.Cursor is { Length: > 0 } cursor ? DecodeCursor(cursor) : ((long SortAt, long Pk)?)null;

        var where = new List<string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            if (ToFtsQuery(query.Text) is not { } match)
            {
                // Nothing searchable in the text (only punctuation or operators): nothing can match it.
                return new PaperPage([], null);
            }

            where.Add("p.pk IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH $match)");
            command.Parameters.AddWithValue("$match", match);
        }

        if (query.Source is { Length: > 0 } source)
        {
            where.Add("EXISTS (SELECT 1 FROM sightings s WHERE s.source = $source AND s.paper_pk = p.pk)");
            command.Parameters.AddWithValue("$source", source);
        }

        if (query.Since is { } since)
        {
            where.Add("p.sort_at >= $since");
            command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        }

        if (after is { } a)
        {
            where.Add("(p.sort_at < $after_sort OR (p.sort_at = $after_sort AND p.pk < $after_pk))");
            command.Parameters.AddWithValue("$after_sort", a.SortAt);
            command.Parameters.AddWithValue("$after_pk", a.Pk);
        }

        command.CommandText =
            "SELECT p.pk, p.sort_at, p.doc, p.announced FROM papers p"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + " ORDER BY p.sort_at DESC, p.pk DESC LIMIT $take";
        command.Parameters.AddWithValue("$take", limit + 1);

        var items = new List<StoredPaper>(limit);
        (long SortAt, long Pk) last = default;
        var more = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (items.Count == limit)
                {
                    more = true;
                    break;
                }

                last = (reader.GetInt64(1), reader.GetInt64(0));
                items.Add(ReadPaper(reader, 2));
            }
        }

        return new PaperPage(items, more ? EncodeCursor(last.SortAt, last.Pk) : null);
    }

    /// <summary>
    /// Turns what a user typed into an FTS5 query that cannot be a syntax error: the letters-and-digits runs of
    /// the input, each quoted as a phrase (so <c>AND</c>, <c>NEAR</c>, <c>"</c>, <c>*</c> and column filters are
    /// plain words or dropped), all required. Null when nothing searchable is left.
    /// </summary>
    internal static string? ToFtsQuery(string text)
    {
        var terms = new List<string>();
        var current = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                current.Append(rune.ToString());
                continue;
            }

            Flush();
        }

        Flush();
        return terms.Count == 0 ? null : string.Join(' ', terms.Take(MaxSearchTerms));

        void Flush()
        {
            if (current.Length > 0)
            {
                terms.Add("\"" + current + "\"");
                current.Clear();
            }
        }
    }

    internal static string EncodeCursor(long sortAt, long pk) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{sortAt}|{pk}")));

    internal static (long SortAt, long Pk) DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var parts = text.Split('|');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sortAt)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pk))
            {
                return (sortAt, pk);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException(
            $"paper store: the cursor '{cursor}' is not one this store issued; pass the NextCursor of the previous page unchanged, or none for the first page",
            nameof(cursor));
    }

    /// <summary>The document in column <paramref name="docColumn"/>, with the announced revision from the column after it.</summary>
    private static StoredPaper ReadPaper(SqliteDataReader reader, int docColumn) =>
        SqliteJson.ReadPaper(reader.GetString(docColumn)) with { AnnouncedRevision = reader.GetInt32(docColumn + 1) };

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    // SQLITE_CONSTRAINT (19): 2067 is a UNIQUE index, 1555 a PRIMARY KEY (paper_keys.key is one).
    private static bool IsUniqueViolation(SqliteException e) =>
        e.SqliteErrorCode == 19 && e.SqliteExtendedErrorCode is 2067 or 1555;

    /// <summary>The prepared statements of one batch transaction, reused for every message of it.</summary>
    private sealed class BatchWriter : IDisposable
    {
        private readonly SqliteCommand _findKey;
        private readonly SqliteCommand _loadDoc;
        private readonly SqliteCommand _insertPaper;
        private readonly SqliteCommand _updatePaper;
        private readonly SqliteCommand _insertKey;
        private readonly SqliteCommand _upsertSighting;
        private readonly SqliteCommand _deleteText;
        private readonly SqliteCommand _insertText;

        // Papers written earlier in this batch, so that repeated sightings skip the JSON round trip.
        private readonly Dictionary<long, StoredPaper> _written = [];

        public BatchWriter(SqliteConnection connection, SqliteTransaction tx)
        {
            _findKey = Command(connection, tx, "SELECT paper_pk FROM paper_keys WHERE key = $key", "$key");
            _loadDoc = Command(connection, tx, "SELECT doc, announced FROM papers WHERE pk = $pk", "$pk");
            _insertPaper = Command(connection, tx, "INSERT INTO papers (id, sort_at, doc, announced) VALUES ($id, $sort_at, $doc, $announced) RETURNING pk", "$id", "$sort_at", "$doc", "$announced");
            _updatePaper = Command(connection, tx, "UPDATE papers SET id = $id, sort_at = $sort_at, doc = $doc WHERE pk = $pk", "$id", "$sort_at", "$doc", "$pk");
            _insertKey = Command(connection, tx, "INSERT INTO paper_keys (key, paper_pk) VALUES ($key, $pk)", "$key", "$pk");
            _upsertSighting = Command(
                connection,
                tx,
                """
                INSERT INTO sightings (source, external_id, paper_pk) VALUES ($source, $external_id, $pk)
                ON CONFLICT (source, external_id) DO UPDATE SET paper_pk = excluded.paper_pk WHERE paper_pk <> excluded.paper_pk
                """,
                "$source",
                "$external_id",
                "$pk");
            _deleteText = Command(connection, tx, "DELETE FROM papers_fts WHERE rowid = $pk", "$pk");
            _insertText = Command(connection, tx, "INSERT INTO papers_fts (rowid, title, abstract, authors) VALUES ($pk, $title, $abstract, $authors)", "$pk", "$title", "$abstract", "$authors");
        }

        public UpsertResult Upsert(PaperDiscovered message, DateTimeOffset now)
        {
            var keys = PaperIdentity.KeysOf(message.Paper);
            var ownerPkByKey = new Dictionary<string, long>(StringComparer.Ordinal);
            var paperByPk = new Dictionary<long, StoredPaper>();
            foreach (var key in keys)
            {
                _findKey.Parameters["$key"].Value = key;
                if (_findKey.ExecuteScalar() is long pk)
                {
                    ownerPkByKey[key] = pk;
                    if (!paperByPk.ContainsKey(pk))
                    {
                        paperByPk[pk] = Load(pk);
                    }
                }
            }

            var target = PaperMerge.ChooseTarget(keys, ownerPkByKey.ToDictionary(kv => kv.Key, kv => paperByPk[kv.Value], StringComparer.Ordinal));
            long? targetPk = target is null ? null : paperByPk.First(kv => ReferenceEquals(kv.Value, target)).Key;
            var (paper, outcome) = PaperMerge.Apply(
                target, message, now, key => ownerPkByKey.TryGetValue(key, out var owner) && owner != targetPk);

            if (outcome == UpsertOutcome.Unchanged && target is not null && targetPk is { } unchangedPk)
            {
                // Only the sighting's last-seen time moved.
                Write(unchangedPk, paper);
                return new UpsertResult(outcome, paper);
            }

            var pkOfPaper = targetPk ?? InsertPaper(paper);
            var newKeys = paper.Keys.Where(k => target is null || !target.Keys.Contains(k, StringComparer.Ordinal)).ToList();
            var rejected = InsertKeys(newKeys, pkOfPaper);
            if (rejected.Count > 0)
            {
                var kept = paper.Keys.Where(k => !rejected.Contains(k)).ToList();
                paper = paper with { Keys = kept, Id = kept.Count > 0 ? PaperIdentity.Canonical(kept) : paper.Id };
            }

            if (targetPk is not null || rejected.Count > 0)
            {
                Write(pkOfPaper, paper);
            }
            else
            {
                _written[pkOfPaper] = paper;
            }

            var source = message.Source;
            var externalId = message.Paper.ExternalId;
            if (target is null || !target.Sightings.Any(s => s.Source == source && s.ExternalId == externalId))
            {
                _upsertSighting.Parameters["$source"].Value = source;
                _upsertSighting.Parameters["$external_id"].Value = externalId;
                _upsertSighting.Parameters["$pk"].Value = pkOfPaper;
                _upsertSighting.ExecuteNonQuery();
            }

            if (target is null || target.Title != paper.Title || target.Abstract != paper.Abstract || !target.Authors.SequenceEqual(paper.Authors, StringComparer.Ordinal))
            {
                if (target is not null)
                {
                    _deleteText.Parameters["$pk"].Value = pkOfPaper;
                    _deleteText.ExecuteNonQuery();
                }

                _insertText.Parameters["$pk"].Value = pkOfPaper;
                _insertText.Parameters["$title"].Value = paper.Title;
                _insertText.Parameters["$abstract"].Value = (object?)paper.Abstract ?? DBNull.Value;
                _insertText.Parameters["$authors"].Value = string.Join("; ", paper.Authors);
                _insertText.ExecuteNonQuery();
            }

            return new UpsertResult(outcome, paper);
        }

        private StoredPaper Load(long pk)
        {
            if (_written.TryGetValue(pk, out var paper))
            {
                return paper;
            }

            _loadDoc.Parameters["$pk"].Value = pk;
            using var reader = _loadDoc.ExecuteReader();
            return reader.Read()
                ? ReadPaper(reader, 0)
                : throw new InvalidDataException($"sqlite paper store: paper_keys points at paper {pk}, which does not exist");
        }

        private long InsertPaper(StoredPaper paper)
        {
            _insertPaper.Parameters["$id"].Value = paper.Id;
            _insertPaper.Parameters["$sort_at"].Value = paper.SortAt.ToUnixTimeMilliseconds();
            _insertPaper.Parameters["$doc"].Value = SqliteJson.Write(paper);
            _insertPaper.Parameters["$announced"].Value = paper.AnnouncedRevision;
            return (long)_insertPaper.ExecuteScalar()!;
        }

        private void Write(long pk, StoredPaper paper)
        {
            _updatePaper.Parameters["$id"].Value = paper.Id;
            _updatePaper.Parameters["$sort_at"].Value = paper.SortAt.ToUnixTimeMilliseconds();
            _updatePaper.Parameters["$doc"].Value = SqliteJson.Write(paper);
            _updatePaper.Parameters["$pk"].Value = pk;
            _updatePaper.ExecuteNonQuery();
            _written[pk] = paper;
        }

        /// <summary>Claims keys for the paper; returns those another paper already owns.</summary>
        private HashSet<string> InsertKeys(List<string> keys, long pk)
        {
            var rejected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                _insertKey.Parameters["$key"].Value = key;
                _insertKey.Parameters["$pk"].Value = pk;
                try
                {
                    _insertKey.ExecuteNonQuery();
                }
                catch (SqliteException e) when (IsUniqueViolation(e))
                {
                    // The keys were looked up in this same write transaction, so this means the store disagrees
                    // with itself; the key stays with the paper that owns it rather than failing the batch.
                    rejected.Add(key);
                }
            }

            return rejected;
        }

        public void Dispose()
        {
            _findKey.Dispose();
            _loadDoc.Dispose();
            _insertPaper.Dispose();
            _updatePaper.Dispose();
            _insertKey.Dispose();
            _upsertSighting.Dispose();
            _deleteText.Dispose();
            _insertText.Dispose();
        }
    }
}
