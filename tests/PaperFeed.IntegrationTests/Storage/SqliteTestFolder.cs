using Microsoft.Data.Sqlite;
using PaperFeed.Worker.Storage.Sqlite;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>
/// A temp folder per test class for SQLite files (deleted afterwards); each test gets a database file of its own
/// in it, so no test sees another's rows.
/// </summary>
public sealed class SqliteTestFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("paperfeed-sqlite-").FullName;

    public string NewConnectionString() => $"Data Source={System.IO.Path.Combine(Path, $"test-{Guid.NewGuid():N}.db")}";

    public void Dispose()
    {
        // Pooled connections keep the files open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Opens SqliteDatabase instances for one test and disposes them with it.</summary>
internal sealed class SqliteDatabases : IDisposable
{
    private readonly List<SqliteDatabase> _open = [];

    public async Task<SqliteDatabase> OpenAsync(string connectionString)
    {
        var database = new SqliteDatabase(connectionString);
        _open.Add(database);
        await database.InitializeAsync(Xunit.TestContext.Current.CancellationToken);
        return database;
    }

    public void Dispose()
    {
        foreach (var database in _open)
        {
            database.Dispose();
        }
    }
}
