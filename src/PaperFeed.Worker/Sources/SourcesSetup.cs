using Microsoft.Extensions.Http.Resilience;
using Polly;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PaperFeed.Worker.Sources.Arxiv;
using PaperFeed.Worker.Sources.ArxivOai;
using PaperFeed.Worker.Sources.Feed;
using PaperFeed.Worker.Sources.HuggingFace;
using PaperFeed.Worker.Sources.Http;
using PaperFeed.Worker.Sources.Plugins;

namespace PaperFeed.Worker.Sources;

public static class SourcesSetup
{
    public const string HttpClientName = "sources";

    /// <summary>The built-in source types, the configured sources and the HTTP client they share.</summary>
    public static IServiceCollection AddPaperFeedSources(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IPaperSource, FeedSource>();
        services.AddSingleton<IPaperSource, ArxivRssSource>();
        services.AddSingleton<IPaperSource, ArxivApiSource>();
        services.AddSingleton<IPaperSource, HuggingFaceSource>();
        services.AddSingleton<IPaperSource, ArxivOaiSource>();
        services.AddSingleton(_ => new PluginCatalog(
            configuration.GetSection("PaperFeed:Plugins").Get<PluginOptions>()?.Path ?? new PluginOptions().Path));
        services.AddSingleton<SourceRegistry>();
        services.TryAddSingleton(TimeProvider.System);
        var http = configuration.GetSection($"{PaperFeedOptions.Section}:Http").Get<SourceHttpOptions>() ?? new SourceHttpOptions();
        services.AddSingleton(sp => new HostGates(http, sp.GetRequiredService<TimeProvider>()));
        services.AddTransient<PoliteHostHandler>();

        // Handlers run outside-in in the order added: retries, then each attempt waits at its host's gate (so a
        // retry too keeps the host's spacing), then the attempt's timeout, which does not count the wait.
        var client = services.AddHttpClient(HttpClientName, c =>
            {
                c.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
                c.DefaultRequestHeaders.UserAgent.ParseAdd(http.UserAgent);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                MaxAutomaticRedirections = 5,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        client.AddResilienceHandler("retries", pipeline =>
        {
            // Retries honour Retry-After on 429/503.
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
        });
        client.AddHttpMessageHandler<PoliteHostHandler>();
        client.AddResilienceHandler("attempt", pipeline => pipeline.AddTimeout(http.Timeout));
        return services;
    }
}
