using PaperFeed.Worker.Notifications.Digest;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Worker.Notifications;

public static class NotificationsSetup
{
    /// <summary>Subscriptions, matching, deliveries with their retry and digest jobs (the consumers are added to the bus in MessagingSetup).</summary>
    public static IServiceCollection AddPaperFeedNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section);
        services.AddSingleton<SubscriptionIndex>();
        services.AddSingleton<SubscriptionTokens>();
        services.AddScoped<SubscriptionService>();
        services.AddScoped<DeliveryDispatcher>();
        services.AddScoped<DeliveryRetrier>();
        services.AddScoped<DigestBuilder>();
        services.AddHostedService<SubscriptionIndexRefresher>();
        services.AddHostedService<NotificationJobScheduler>();
        return services;
    }
}
