using Microsoft.Extensions.Http.Resilience;
using Polly;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Sources.Feed;

namespace PaperFeed.Worker.Sources;

public static class SourcesSetup
{
    public const string HttpClientName = "sources";

    /// <summary>The built-in source types, the configured sources and the HTTP client they share.</summary>
    public static IServiceCollection AddPaperFeedSources(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IPaperSource, FeedSource>();
        services.AddSingleton<SourceRegistry>();

        var http = configuration.GetSection($"{PaperFeedOptions.Section}:Http").Get<SourceHttpOptions>() ?? new SourceHttpOptions();
        services.AddHttpClient(HttpClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
                client.DefaultRequestHeaders.UserAgent.ParseAdd(http.UserAgent);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                MaxAutomaticRedirections = 5,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddResilienceHandler("sources", pipeline =>
            {
                // Retries honour Retry-After on 429/503; each attempt has its own timeout.
                if (http.Retries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = http.Retries,
                        Delay = http.RetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        ShouldRetryAfterHeader = true,
                        MaxDelay = TimeSpan.FromMinutes(1),
                    });
                }

                pipeline.AddTimeout(http.Timeout);
            });
        return services;
    }
}
