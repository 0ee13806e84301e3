using Microsoft.Extensions.DependencyInjection.Extensions;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Storage.Sqlite;

public static class SqliteStorageExtensions
{
    /// <summary>
    /// Stores everything in one SQLite file (<c>Data Source=paperfeed.db</c>); the schema is created when the
    /// host starts, so a wrong path or a read-only folder fails the start rather than the first poll.
    /// </summary>
    public static IServiceCollection AddSqliteStores(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new SqliteDatabase(connectionString));
        services.AddSingleton<IPaperStore, SqlitePaperStore>();
        services.AddSingleton<ISourceStateStore, SqliteSourceStateStore>();
        services.AddSingleton<ISubscriptionStore, SqliteSubscriptionStore>();
        services.AddSingleton<IDeliveryStore, SqliteDeliveryStore>();
        services.AddHostedService<SqliteSchemaInitializer>();
        return services;
    }
}

/// <summary>Creates the SQLite schema at start.</summary>
internal sealed class SqliteSchemaInitializer(SqliteDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
