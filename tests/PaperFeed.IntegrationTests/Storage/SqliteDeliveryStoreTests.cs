using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Storage.Sqlite;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Storage;

public sealed class SqliteDeliveryStoreTests(SqliteTestFolder folder) : DeliveryStoreContract, IClassFixture<SqliteTestFolder>, IDisposable
{
    private readonly SqliteDatabases _databases = new();
    private string? _connectionString;

    protected override async Task<IDeliveryStore> CreateStoreAsync()
    {
        _connectionString = folder.NewConnectionString();
        return new SqliteDeliveryStore(await _databases.OpenAsync(_connectionString));
    }

    protected override async Task<IDeliveryStore> ReopenStoreAsync() =>
        new SqliteDeliveryStore(await _databases.OpenAsync(_connectionString ?? throw new InvalidOperationException("create a store first")));

    public void Dispose() => _databases.Dispose();
}
