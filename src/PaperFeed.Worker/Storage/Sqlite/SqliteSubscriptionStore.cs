using Microsoft.Data.Sqlite;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Storage.Sqlite;

/// <summary>Subscriptions in SQLite, one JSON document per subscription, plus deletion markers and server secrets.</summary>
public sealed class SqliteSubscriptionStore(SqliteDatabase database) : ISubscriptionStore
{
    public async Task AddAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        await WriteAsync(
            async (connection, tx) =>
            {
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "INSERT INTO subscriptions (id, updated_at, doc) VALUES ($id, $at, $doc)";
                command.Parameters.AddWithValue("$id", subscription.Id);
                command.Parameters.AddWithValue("$at", subscription.UpdatedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$doc", SqliteJson.Write(subscription));
                await command.ExecuteNonQueryAsync(cancellationToken);
                return true;
            },
            cancellationToken);
    }

    public async Task<Subscription?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadAsync(connection, null, id, cancellationToken);
    }

    public async Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken) =>
        await QueryAsync("SELECT doc FROM subscriptions ORDER BY id", null, cancellationToken);

    public async Task<SubscriptionChanges> ListChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var at = since.ToUnixTimeMilliseconds();
        var changed = await QueryAsync("SELECT doc FROM subscriptions WHERE updated_at >= $at ORDER BY id", at, cancellationToken);
        var deleted = new List<string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM subscription_deletions WHERE deleted_at >= $at ORDER BY id";
        command.Parameters.AddWithValue("$at", at);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            deleted.Add(reader.GetString(0));
        }

        return new SubscriptionChanges(changed, deleted);
    }

    public Task<Subscription?> UpdateAsync(string id, Func<Subscription, Subscription> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(
            async (connection, tx) =>
            {
                var current = await ReadAsync(connection, tx, id, cancellationToken);
                if (current is null)
                {
                    return null;
                }

                var updated = change(current) with { Id = current.Id };
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "UPDATE subscriptions SET updated_at = $at, doc = $doc WHERE id = $id";
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$at", updated.UpdatedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$doc", SqliteJson.Write(updated));
                await command.ExecuteNonQueryAsync(cancellationToken);
                return updated;
            },
            cancellationToken);
    }

    public Task<bool> DeleteAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, tx) =>
            {
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = """
                    DELETE FROM subscriptions WHERE id = $id;
                    INSERT INTO subscription_deletions (id, deleted_at) SELECT $id, $at WHERE changes() > 0
                        ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at;
                    """;
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                await command.ExecuteNonQueryAsync(cancellationToken);
                await using var check = connection.CreateCommand();
                check.Transaction = tx;
                check.CommandText = "SELECT changes()";
                return (long)(await check.ExecuteScalarAsync(cancellationToken))! > 0;
            },
            cancellationToken);

    public async Task<string> GetOrCreateSecretAsync(string name, Func<string> create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(create);
        return await WriteAsync(
            async (connection, tx) =>
            {
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = """
                    INSERT INTO server_secrets (name, value) VALUES ($name, $value) ON CONFLICT (name) DO NOTHING;
                    SELECT value FROM server_secrets WHERE name = $name;
                    """;
                command.Parameters.AddWithValue("$name", name);
                command.Parameters.AddWithValue("$value", create());
                return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
            },
            cancellationToken);
    }

    private async Task<List<Subscription>> QueryAsync(string sql, long? at, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (at is { } value)
        {
            command.Parameters.AddWithValue("$at", value);
        }

        var list = new List<Subscription>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(SqliteJson.ReadSubscription(reader.GetString(0)));
        }

        return list;
    }

    private static async Task<Subscription?> ReadAsync(SqliteConnection connection, SqliteTransaction? tx, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT doc FROM subscriptions WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteScalarAsync(cancellationToken) is string doc ? SqliteJson.ReadSubscription(doc) : null;
    }

    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, CancellationToken cancellationToken) =>
        database.WriteAsync(write, cancellationToken);
}
