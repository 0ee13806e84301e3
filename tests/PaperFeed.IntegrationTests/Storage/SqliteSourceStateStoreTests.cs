using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Storage.Sqlite;
using Xunit;

namespace PaperFeed.IntegrationTests.Storage;

public sealed class SqliteSourceStateStoreTests(SqliteTestFolder folder) : SourceStateStoreContract, IClassFixture<SqliteTestFolder>, IDisposable
{
    private readonly SqliteDatabases _databases = new();
    private string? _connectionString;

    protected override async Task<ISourceStateStore> CreateStoreAsync()
    {
        _connectionString = folder.NewConnectionString();
        return new SqliteSourceStateStore(await _databases.OpenAsync(_connectionString));
    }

    protected override async Task<ISourceStateStore> ReopenStoreAsync() =>
        new SqliteSourceStateStore(await _databases.OpenAsync(_connectionString ?? throw new InvalidOperationException("create a store first")));

    public void Dispose() => _databases.Dispose();
}
