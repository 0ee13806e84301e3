using Microsoft.Data.Sqlite;
using PaperFeed.Worker.Notifications;

namespace PaperFeed.Worker.Storage.Sqlite;

/// <summary>
/// Deliveries in SQLite: one JSON document per delivery with the columns the flow queries on beside it
/// (unique id and key, state, and <c>due_at</c>, the moment the retry job should look at it).
/// </summary>
public sealed class SqliteDeliveryStore(SqliteDatabase database) : IDeliveryStore
{
    public Task<EnqueueResult> TryEnqueueAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return database.WriteAsync(
            async (connection, tx) =>
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = """
                    INSERT INTO deliveries (id, key, subscription_id, state, due_at, doc)
                    VALUES ($id, $key, $subscription, $state, $due, $doc)
                    ON CONFLICT (key) DO NOTHING
                    """;
                insert.Parameters.AddWithValue("$id", delivery.Id);
                insert.Parameters.AddWithValue("$key", delivery.Key);
                insert.Parameters.AddWithValue("$subscription", delivery.SubscriptionId);
                insert.Parameters.AddWithValue("$state", delivery.State.ToString());
                insert.Parameters.AddWithValue("$due", (object?)DueAt(delivery) ?? DBNull.Value);
                insert.Parameters.AddWithValue("$doc", SqliteJson.Write(delivery));
                var created = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
                var stored = created ? delivery : await ReadAsync(connection, tx, "key", delivery.Key, cancellationToken);
                return new EnqueueResult(stored!, created);
            },
            cancellationToken);
    }

    public async Task<Delivery?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadAsync(connection, null, "id", id, cancellationToken);
    }

    public Task<Delivery?> TryClaimAsync(string id, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken) =>
        ChangeAsync(id, d => DeliveryTransitions.Claim(d, now, until), cancellationToken);

    public async Task<Delivery> RecordAttemptAsync(string id, AttemptRecord attempt, CancellationToken cancellationToken) =>
        await ChangeAsync(id, d => DeliveryTransitions.Record(d, attempt), cancellationToken)
        ?? throw new InvalidOperationException($"delivery {id} does not exist");

    public Task<Delivery?> ReplayAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(id, d => DeliveryTransitions.Replay(d, now), cancellationToken);

    public async Task<IReadOnlyList<string>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM deliveries WHERE due_at <= $now ORDER BY due_at LIMIT $limit";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$limit", limit);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<IReadOnlyList<Delivery>> ListBySubscriptionAsync(string subscriptionId, int limit, string? before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = before is null
            ? "SELECT doc FROM deliveries WHERE subscription_id = $s ORDER BY pk DESC LIMIT $limit"
            : "SELECT doc FROM deliveries WHERE subscription_id = $s AND pk < (SELECT pk FROM deliveries WHERE id = $before) ORDER BY pk DESC LIMIT $limit";
        command.Parameters.AddWithValue("$s", subscriptionId);
        command.Parameters.AddWithValue("$limit", limit);
        if (before is not null)
        {
            command.Parameters.AddWithValue("$before", before);
        }

        var list = new List<Delivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(SqliteJson.ReadDelivery(reader.GetString(0)));
        }

        return list;
    }

    public async Task<IReadOnlyDictionary<DeliveryState, long>> CountByStateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state, count(*) FROM deliveries GROUP BY state";
        var counts = Enum.GetValues<DeliveryState>().ToDictionary(s => s, _ => 0L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[Enum.Parse<DeliveryState>(reader.GetString(0))] = reader.GetInt64(1);
        }

        return counts;
    }

    public async Task AddDigestItemAsync(DigestItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await database.WriteAsync(
            async (connection, tx) =>
            {
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = """
                    INSERT INTO digest_items (subscription_id, paper_id, matched_at, doc) VALUES ($s, $p, $at, $doc)
                    ON CONFLICT (subscription_id, paper_id) DO NOTHING
                    """;
                command.Parameters.AddWithValue("$s", item.SubscriptionId);
                command.Parameters.AddWithValue("$p", item.PaperId);
                command.Parameters.AddWithValue("$at", item.MatchedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$doc", SqliteJson.Write(item.Paper));
                return await command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListSubscriptionsWithDigestItemsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT subscription_id FROM digest_items WHERE delivery_id IS NULL ORDER BY subscription_id";
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<IReadOnlyList<DigestItem>> ListDigestItemsAsync(string subscriptionId, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT paper_id, matched_at, doc FROM digest_items
            WHERE subscription_id = $s AND delivery_id IS NULL AND matched_at < $before
            ORDER BY matched_at, paper_id
            """;
        command.Parameters.AddWithValue("$s", subscriptionId);
        command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
        var items = new List<DigestItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new DigestItem(subscriptionId, reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), SqliteJson.ReadSummary(reader.GetString(2))));
        }

        return items;
    }

    public async Task AssignDigestItemsAsync(string subscriptionId, IReadOnlyCollection<string> paperIds, string deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paperIds);
        await database.WriteAsync(
            async (connection, tx) =>
            {
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "UPDATE digest_items SET delivery_id = $d WHERE subscription_id = $s AND paper_id = $p AND delivery_id IS NULL";
                command.Parameters.AddWithValue("$d", deliveryId);
                command.Parameters.AddWithValue("$s", subscriptionId);
                var paper = command.Parameters.Add("$p", SqliteType.Text);
                foreach (var id in paperIds)
                {
                    paper.Value = id;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                return paperIds.Count;
            },
            cancellationToken);
    }

    /// <summary>Reads, transforms (null: leave as is and return null) and writes back one delivery in one transaction.</summary>
    private Task<Delivery?> ChangeAsync(string id, Func<Delivery, Delivery?> change, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, tx) =>
            {
                var current = await ReadAsync(connection, tx, "id", id, cancellationToken);
                if (current is null || change(current) is not { } next)
                {
                    return null;
                }

                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "UPDATE deliveries SET state = $state, due_at = $due, doc = $doc WHERE id = $id";
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$state", next.State.ToString());
                command.Parameters.AddWithValue("$due", (object?)DueAt(next) ?? DBNull.Value);
                command.Parameters.AddWithValue("$doc", SqliteJson.Write(next));
                await command.ExecuteNonQueryAsync(cancellationToken);
                return next;
            },
            cancellationToken);

    private static long? DueAt(Delivery delivery) => DeliveryTransitions.DueAt(delivery)?.ToUnixTimeMilliseconds();

    private static async Task<Delivery?> ReadAsync(SqliteConnection connection, SqliteTransaction? tx, string column, string value, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT doc FROM deliveries WHERE {column} = $value";
        command.Parameters.AddWithValue("$value", value);
        return await command.ExecuteScalarAsync(cancellationToken) is string doc ? SqliteJson.ReadDelivery(doc) : null;
    }
}
