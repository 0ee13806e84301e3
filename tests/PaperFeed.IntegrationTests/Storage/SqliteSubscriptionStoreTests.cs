using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Storage.Sqlite;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Storage;

public sealed class SqliteSubscriptionStoreTests(SqliteTestFolder folder) : SubscriptionStoreContract, IClassFixture<SqliteTestFolder>, IDisposable
{
    private readonly SqliteDatabases _databases = new();
    private string? _connectionString;

    protected override async Task<ISubscriptionStore> CreateStoreAsync()
    {
        _connectionString = folder.NewConnectionString();
        return new SqliteSubscriptionStore(await _databases.OpenAsync(_connectionString));
    }

    protected override async Task<ISubscriptionStore> ReopenStoreAsync() =>
        new SqliteSubscriptionStore(await _databases.OpenAsync(_connectionString ?? throw new InvalidOperationException("create a store first")));

    public void Dispose() => _databases.Dispose();
}
