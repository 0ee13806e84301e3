using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PaperFeed.Worker.Notifications.Webhooks;

public static class WebhookSetup
{
    public const string HttpClientName = "webhooks";

    /// <summary>How long a pooled connection to a receiver lives; a new one resolves and checks the host again.</summary>
    public static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <see cref="WebhookOptions"/> from <c>PaperFeed:Webhooks</c>, the address policy, the host resolver (a
    /// resolver registered before this call wins), the guarded <see cref="HttpClientName"/> client and the
    /// <see cref="WebhookSender"/> as an <see cref="INotificationSender"/>.
    /// </summary>
    public static IServiceCollection AddPaperFeedWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>()
            .Bind(configuration.GetSection(WebhookOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWebhookHostResolver, DnsWebhookHostResolver>();
        services.TryAddSingleton(sp => new WebhookAddressPolicy(sp.GetRequiredService<IOptions<WebhookOptions>>().Value));
        services.TryAddSingleton<WebhookConnector>();

        services.AddHttpClient(HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan) // the sender owns the per-attempt timeout
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // A redirect would be a second request to an address nobody checked; a proxy would be the address
                // connected to instead of the receiver's. Requests stay HTTP/1.1 and 2: HTTP/3 (QUIC) connections
                // do not go through ConnectCallback, so they would bypass the guard.
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = PooledConnectionLifetime,
                ConnectCallback = sp.GetRequiredService<WebhookConnector>().ConnectAsync,
            })
            // Slack and Discord webhook URLs carry their secret in the path: keep them out of the logs.
            .RemoveAllLoggers();

        services.TryAddSingleton<WebhookSender>();
        services.AddSingleton<INotificationSender>(sp => sp.GetRequiredService<WebhookSender>());
        return services;
    }
}

/// <summary>Fails start-up on settings the sender cannot work with, saying which.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{WebhookOptions.Section}:Timeout must be positive and at most an hour (it is {options.Timeout})");
        }

        if (options.MaxResponseBytes < 0)
        {
            failures.Add($"{WebhookOptions.Section}:MaxResponseBytes must not be negative");
        }

        failures.AddRange(options.AllowedNetworks
            .Where(entry => !WebhookAddressPolicy.TryParseNetwork(entry, out _))
            .Select(WebhookAddressPolicy.DescribeBadNetwork));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
