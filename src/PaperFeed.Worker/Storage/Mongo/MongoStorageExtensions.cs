using Microsoft.Extensions.DependencyInjection.Extensions;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Storage.Mongo;

public static class MongoStorageExtensions
{
    /// <summary>
    /// Stores everything in one MongoDB database (<c>mongodb://host:27017/paperfeed</c>; the database is
    /// <paramref name="databaseName"/>, else the connection string's path, else <c>paperfeed</c>). The connection
    /// string is checked here; the server is pinged and the indexes are created when the host starts, so an
    /// unreachable server fails the start rather than the first poll.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string is not valid (the message leaves the password out).</exception>
    public static IServiceCollection AddMongoStores(this IServiceCollection services, string connectionString, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var settings = MongoStoreSettings.Parse(connectionString, databaseName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(settings);
        services.AddSingleton(_ => new MongoDatabaseContext(settings));
        services.AddSingleton<IPaperStore, MongoPaperStore>();
        services.AddSingleton<ISourceStateStore, MongoSourceStateStore>();
        services.AddSingleton<ISubscriptionStore, MongoSubscriptionStore>();
        services.AddSingleton<IDeliveryStore, MongoDeliveryStore>();
        services.AddHostedService<MongoStoreInitializer>();
        return services;
    }
}

/// <summary>Pings MongoDB and creates the indexes at start.</summary>
internal sealed class MongoStoreInitializer(MongoDatabaseContext context) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => context.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
