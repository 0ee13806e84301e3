using Microsoft.Extensions.DependencyInjection;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>Subscriptions stored straight into a worker's store with a known secret (the API generates its own; its handling is tested there).</summary>
public static class TestSubscriptions
{
    /// <summary>An active webhook subscription to <paramref name="url"/> for papers with any of <paramref name="keywords"/>, indexed at once.</summary>
    public static async Task<Subscription> WebhookAsync(WorkerHost worker, Uri url, string secret, string[] keywords, WebhookFormat format = WebhookFormat.Standard)
    {
        var now = DateTimeOffset.UtcNow;
        var subscription = new Subscription
        {
            Id = ResourceIds.NewSubscriptionId(TimeProvider.System),
            Channel = new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = url.AbsoluteUri, Format = format, Secret = secret },
            Filter = new SubscriptionFilter { Keywords = keywords },
            CreatedAt = now,
            UpdatedAt = now,
            ConfirmedAt = now,
        };
        await worker.Services.GetRequiredService<ISubscriptionStore>().AddAsync(subscription, TestContext.Current.CancellationToken);
        worker.Services.GetRequiredService<SubscriptionIndex>().Upsert(subscription);
        return subscription;
    }
}
