using Microsoft.Data.Sqlite;

namespace PaperFeed.ChaosTests.Harness;

/// <summary>What the worker's SQLite file holds, read from outside the process (WAL lets it read beside the writer).</summary>
public sealed class StoreProbe(string path)
{
    /// <summary>What the paper tables hold: rows, distinct ids, sightings, and papers not yet announced.</summary>
    public sealed record PaperCounts(long Rows, long DistinctIds, long Sightings, long Unannounced)
    {
        public override string ToString() => $"{Rows} papers ({DistinctIds} distinct ids, {Sightings} sightings, {Unannounced} unannounced)";
    }

    public bool Exists => File.Exists(path);

    public async Task<PaperCounts> PapersAsync()
    {
        if (!Exists)
        {
            return new PaperCounts(0, 0, 0, 0);
        }

        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT count(*) FROM papers), (SELECT count(DISTINCT id) FROM papers),
                   (SELECT count(*) FROM sightings), (SELECT count(*) FROM papers WHERE announced = 0)
            """;
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        return new PaperCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public async Task<IReadOnlyList<string>> PaperIdsAsync() =>
        await ListAsync("SELECT id FROM papers ORDER BY id");

    /// <summary>Deliveries by state (Pending, Sending, Delivered, Failed, Dead).</summary>
    public async Task<IReadOnlyDictionary<string, long>> DeliveryStatesAsync()
    {
        var states = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!Exists)
        {
            return states;
        }

        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state, count(*) FROM deliveries GROUP BY state";
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            states[reader.GetString(0)] = reader.GetInt64(1);
        }

        return states;
    }

    /// <summary>The ids (the webhook-ids) of the deliveries in one state.</summary>
    public async Task<IReadOnlyList<string>> DeliveryIdsAsync(string state) =>
        await ListAsync("SELECT id FROM deliveries WHERE state = $state ORDER BY id", ("$state", state));

    private async Task<List<string>> ListAsync(string sql, params (string Name, object Value)[] parameters)
    {
        var items = new List<string>();
        if (!Exists)
        {
            return items;
        }

        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            items.Add(reader.GetString(0));
        }

        return items;
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        // Not pooled: the file must not stay open in the test process between reads.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 10000;";
        await pragma.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return connection;
    }
}
