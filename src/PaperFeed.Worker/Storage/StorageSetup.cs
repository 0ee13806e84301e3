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
        string where;
        switch (options.Store)
        {
            case StoreKind.Sqlite:
                var connection = configuration.GetConnectionString("Sqlite");
                connection = string.IsNullOrWhiteSpace(connection) ? DefaultSqlite : connection;
                services.AddSqliteStores(connection);
                where = $"SQLite {new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection).DataSource}";
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
                    var settings = MongoStoreSettings.Parse(mongo);
                    where = $"MongoDB {settings.Hosts}/{settings.DatabaseName}";
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidOperationException($"ConnectionStrings:Mongo: {ex.Message}", ex);
                }

                break;
            default:
                throw new InvalidOperationException($"PaperFeed:Store '{options.Store}' is not available in this build; use Sqlite or Mongo");
        }

        // A store that hangs (a locked file, an unreachable primary) reports unhealthy after the timeout.
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "store", sp => new StoreHealthCheck(sp.GetRequiredService<Papers.IPaperStore>(), where), HealthStatus.Unhealthy, ["ready"], TimeSpan.FromSeconds(5)));
        return services;
    }
}

/// <summary>The store answers a cheap read; <paramref name="where"/> names it (kind and place, no credentials).</summary>
internal sealed class StoreHealthCheck(Papers.IPaperStore store, string where) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ListAsync(new Papers.PaperQuery(Limit: 1), cancellationToken);
            return HealthCheckResult.Healthy($"{where} answers");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"{where}: {ex.Message}", ex);
        }
    }
}
