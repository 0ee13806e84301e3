using Microsoft.Extensions.Diagnostics.HealthChecks;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Storage.Mongo;
using PaperFeed.Worker.Storage.Sqlite;

namespace PaperFeed.Worker.Storage;

public static class StorageSetup
{
    public const string DefaultSqlite = "Data Source=data/paperfeed.db";

    /// <summary>
    /// The configured store (<c>PaperFeed:Store</c>): SQLite in one file by default (<c>ConnectionStrings:Sqlite</c>),
    /// or MongoDB (<c>ConnectionStrings:Mongo</c>, required).
    /// </summary>
    public static IServiceCollection AddPaperFeedStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(PaperFeedOptions.Section).Get<PaperFeedOptions>() ?? new PaperFeedOptions();
        switch (options.Store)
        {
            case StoreKind.Sqlite:
                var connection = configuration.GetConnectionString("Sqlite");
                services.AddSqliteStores(string.IsNullOrWhiteSpace(connection) ? DefaultSqlite : connection);
                break;
            case StoreKind.Mongo:
                var mongo = configuration.GetConnectionString("Mongo");
                if (string.IsNullOrWhiteSpace(mongo))
                {
                    throw new InvalidOperationException(
                        "PaperFeed:Store is Mongo but ConnectionStrings:Mongo is not set; set it to e.g. mongodb://localhost:27017/paperfeed");
                }

                try
                {
                    services.AddMongoStores(mongo);
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidOperationException($"ConnectionStrings:Mongo: {ex.Message}", ex);
                }

                break;
            default:
                throw new InvalidOperationException($"PaperFeed:Store '{options.Store}' is not available in this build; use Sqlite or Mongo");
        }

        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        return services;
    }
}

/// <summary>The store answers a cheap read.</summary>
internal sealed class StoreHealthCheck(Papers.IPaperStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ListAsync(new Papers.PaperQuery(Limit: 1), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"store: {ex.Message}", ex);
        }
    }
}
