using Microsoft.Data.Sqlite;

namespace PaperFeed.Worker.Storage.Sqlite;

/// <summary>
/// The one SQLite file PaperFeed keeps its state in: opens configured connections and creates the schema once
/// (idempotent, so every start and every test can call it). SQLite has a single writer, so writers inside the
/// process queue on <see cref="WriteLock"/> instead of spinning on SQLITE_BUSY.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private const int SchemaVersion = 2;

    // WAL lets readers run beside the writer; NORMAL is durable across process crashes in WAL mode (only an OS
    // crash can lose the last transactions) and is what makes batched writes fast.
    private const string ConnectionPragmas = """
        PRAGMA foreign_keys = ON;
        PRAGMA synchronous = NORMAL;
        PRAGMA wal_autocheckpoint = 16384;
        """;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS papers (
            pk      INTEGER PRIMARY KEY,
            id      TEXT    NOT NULL UNIQUE,
            sort_at INTEGER NOT NULL,
            doc     TEXT    NOT NULL,
            -- The revision whose announcement was published; kept beside the document so marking it is one cheap
            -- UPDATE. It is the truth for StoredPaper.AnnouncedRevision (the copy inside doc is not read).
            announced INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS papers_by_sort_at ON papers (sort_at DESC, pk DESC);

        CREATE TABLE IF NOT EXISTS paper_keys (
            key      TEXT    NOT NULL PRIMARY KEY,
            paper_pk INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS paper_keys_by_paper ON paper_keys (paper_pk);

        CREATE TABLE IF NOT EXISTS sightings (
            source      TEXT    NOT NULL,
            external_id TEXT    NOT NULL,
            paper_pk    INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
            PRIMARY KEY (source, external_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS sightings_by_source_paper ON sightings (source, paper_pk);
        CREATE INDEX IF NOT EXISTS sightings_by_paper ON sightings (paper_pk);

        CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5 (
            title, abstract, authors,
            tokenize = 'unicode61 remove_diacritics 2'
        );

        CREATE TABLE IF NOT EXISTS source_state (
            name TEXT NOT NULL PRIMARY KEY,
            doc  TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS subscriptions (
            id         TEXT    NOT NULL PRIMARY KEY,
            updated_at INTEGER NOT NULL,
            doc        TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS subscriptions_by_updated_at ON subscriptions (updated_at);

        -- Deleted subscriptions, so that other workers' matching indexes learn of the deletion.
        CREATE TABLE IF NOT EXISTS subscription_deletions (
            id         TEXT    NOT NULL PRIMARY KEY,
            deleted_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS server_secrets (
            name  TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS deliveries (
            pk              INTEGER PRIMARY KEY,
            id              TEXT    NOT NULL UNIQUE,
            key             TEXT    NOT NULL UNIQUE,
            subscription_id TEXT    NOT NULL,
            state           TEXT    NOT NULL,
            -- When the retry job should look at it: next_attempt_at for pending/failed, claimed_until for sending.
            due_at          INTEGER,
            doc             TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS deliveries_by_subscription ON deliveries (subscription_id, pk DESC);
        CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (due_at) WHERE due_at IS NOT NULL;

        CREATE TABLE IF NOT EXISTS digest_items (
            subscription_id TEXT    NOT NULL,
            paper_id        TEXT    NOT NULL,
            matched_at      INTEGER NOT NULL,
            delivery_id     TEXT,
            doc             TEXT    NOT NULL,
            PRIMARY KEY (subscription_id, paper_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS digest_items_waiting ON digest_items (subscription_id, matched_at) WHERE delivery_id IS NULL;
        """;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;

    public SqliteDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ArgumentException($"sqlite: the connection string '{connectionString}' names no file; use e.g. 'Data Source=paperfeed.db'", nameof(connectionString));
        }

        _connectionString = builder.ToString();
        DataSource = builder.DataSource;

        // How long a statement waits for another process's write lock: the connection string's Default Timeout
        // (Microsoft.Data.Sqlite's own default, 30 s, unless set), after which the store reports SQLITE_BUSY.
        _busyTimeoutPragma = $"PRAGMA busy_timeout = {(long)TimeSpan.FromSeconds(builder.DefaultTimeout).TotalMilliseconds};";
    }

    private readonly string _busyTimeoutPragma;

    /// <summary>The database file as configured.</summary>
    public string DataSource { get; }

    /// <summary>Held by every write transaction of this process.</summary>
    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    /// <summary>Creates the folder of the file, switches to WAL and creates the schema; safe to call repeatedly.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }

            if (!IsInMemory(DataSource) && Path.GetDirectoryName(Path.GetFullPath(DataSource)) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
            }

            await using var connection = await OpenRawAsync(cancellationToken);
            await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken);
            await using (var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken))
            {
                await ExecuteAsync(connection, Schema + $"PRAGMA user_version = {SchemaVersion};", cancellationToken, tx);
                await tx.CommitAsync(cancellationToken);
            }

            _initialized = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>An open connection with PaperFeed's pragmas; the schema is created first if it was not yet.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return await OpenRawAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="write"/> in one immediate transaction under <see cref="WriteLock"/> and commits it.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await WriteLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var tx = connection.BeginTransaction(deferred: false);
            var result = await write(connection, tx);
            await tx.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            WriteLock.Release();
        }
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, ConnectionPragmas + _busyTimeoutPragma, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? tx = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static bool IsInMemory(string dataSource) =>
        dataSource == ":memory:" || dataSource.StartsWith("file::memory:", StringComparison.OrdinalIgnoreCase);

    public void Dispose()
    {
        // Pooled connections keep the file (and its -wal/-shm files) open after the last store call.
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _initLock.Dispose();
        WriteLock.Dispose();
    }
}
