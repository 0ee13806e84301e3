using PaperFeed.Worker.Notifications.Digest;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Worker.Notifications;

public static class NotificationsSetup
{
    /// <summary>Subscriptions, matching, deliveries with their retry and digest jobs (the consumers are added to the bus in MessagingSetup).</summary>
    /// <remarks>The index refresher and the retry and digest jobs run only in processes with the notify role.</remarks>
    public static IServiceCollection AddPaperFeedNotifications(this IServiceCollection services, IConfiguration configuration, Hosting.WorkerRoles roles)
    {
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section);
        services.AddSingleton<SubscriptionIndex>();
        services.AddSingleton<SubscriptionTokens>();
        services.AddScoped<SubscriptionService>();
        services.AddScoped<DeliveryDispatcher>();
        services.AddSingleton<EndpointBulkhead>();
        services.AddSingleton<DeliveryRequeue>();
        services.AddScoped<DeliveryRetrier>();
        services.AddScoped<DigestBuilder>();
        services.AddScoped<JobLease>();
        if (roles.HasFlag(Hosting.WorkerRoles.Notify))
        {
            services.AddHostedService<SubscriptionIndexRefresher>();
            services.AddHostedService<NotificationJobScheduler>();
        }

        return services;
    }
}
