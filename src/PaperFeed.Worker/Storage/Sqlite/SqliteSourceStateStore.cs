using Microsoft.Data.Sqlite;
using PaperFeed.Worker.Polling;

namespace PaperFeed.Worker.Storage.Sqlite;

/// <summary>Per-source polling state in SQLite, one JSON document per source name.</summary>
public sealed class SqliteSourceStateStore(SqliteDatabase database) : ISourceStateStore
{
    public async Task<SourceState> GetAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadAsync(connection, null, name, cancellationToken) ?? new SourceState { Name = name };
    }

    public async Task<IReadOnlyList<SourceState>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT doc FROM source_state ORDER BY name";
        var states = new List<SourceState>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            states.Add(SqliteJson.ReadState(reader.GetString(0)));
        }

        return states;
    }

    public Task RecordSuccessAsync(
        string name, string? checkpoint, IReadOnlyDictionary<string, HttpValidators> validators, int paperCount, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(validators);
        return UpdateAsync(
            name,
            state => state with
            {
                Checkpoint = checkpoint,
                Validators = new Dictionary<string, HttpValidators>(validators, StringComparer.Ordinal),
                ConsecutiveErrors = 0,
                BackoffUntil = null,
                LastSuccessAt = at,
                LastPaperCount = paperCount,
            },
            cancellationToken);
    }

    public Task RecordFailureAsync(string name, string error, DateTimeOffset at, DateTimeOffset backoffUntil, CancellationToken cancellationToken) =>
        UpdateAsync(
            name,
            state => state with
            {
                ConsecutiveErrors = state.ConsecutiveErrors + 1,
                LastError = error,
                LastErrorAt = at,
                BackoffUntil = backoffUntil,
            },
            cancellationToken);

    public Task<bool> TryAcquireLeaseAsync(string name, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken) =>
        UpdateAsync(
            name,
            state => state.LeaseOwner is null || state.LeaseOwner == owner || state.LeaseUntil is not { } held || held <= now
                ? state with { LeaseOwner = owner, LeaseUntil = until }
                : null,
            cancellationToken);

    public Task ReleaseLeaseAsync(string name, string owner, CancellationToken cancellationToken) =>
        UpdateAsync(name, state => state.LeaseOwner == owner ? state with { LeaseOwner = null, LeaseUntil = null } : null, cancellationToken);

    /// <summary>Applies <paramref name="change"/> in one write transaction; a null change writes nothing. True when written.</summary>
    private Task<bool> UpdateAsync(string name, Func<SourceState, SourceState?> change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return database.WriteAsync(
            async (connection, tx) =>
            {
                var state = change(await ReadAsync(connection, tx, name, cancellationToken) ?? new SourceState { Name = name });
                if (state is null)
                {
                    return false;
                }

                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "INSERT INTO source_state (name, doc) VALUES ($name, $doc) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc";
                command.Parameters.AddWithValue("$name", name);
                command.Parameters.AddWithValue("$doc", SqliteJson.Write(state));
                return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            },
            cancellationToken);
    }

    private static async Task<SourceState?> ReadAsync(SqliteConnection connection, SqliteTransaction? tx, string name, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT doc FROM source_state WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return await command.ExecuteScalarAsync(cancellationToken) is string doc ? SqliteJson.ReadState(doc) : null;
    }
}
