using MassTransit;
using Microsoft.Extensions.Options;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications.Digest;

/// <summary>
/// Turns waiting digest items into one ranked digest per subscription per period. The digest's key is
/// (subscription, period), so running twice — two workers, a job that fired twice, a restart halfway — still
/// creates one; items are marked only after the digest holding them exists, and only those it holds.
/// </summary>
public sealed class DigestBuilder(
    IDeliveryStore deliveries, ISubscriptionStore subscriptions, IPaperStore papers, IPublishEndpoint publish, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<DigestBuilder> logger)
{
    /// <summary>Creates and sends the digests that are due now; returns how many were created.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var created = 0;
        foreach (var subscriptionId in await deliveries.ListSubscriptionsWithDigestItemsAsync(cancellationToken))
        {
            var subscription = await subscriptions.GetAsync(subscriptionId, cancellationToken);
            if (subscription is not { IsActive: true } || subscription.Schedule.Mode == DeliveryMode.Instant)
            {
                continue;
            }

            try
            {
                created += await BuildAsync(subscription, cancellationToken) ? 1 : 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "digest for subscription {SubscriptionId} failed; it is tried again on the next run", subscriptionId);
            }
        }

        return created;
    }

    private async Task<bool> BuildAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var period = DigestPeriods.Latest(subscription.Schedule, now);
        var items = await deliveries.ListDigestItemsAsync(subscription.Id, period.End, cancellationToken);
        if (items.Count == 0)
        {
            return false;
        }

        // Rank by today's metrics: upvotes keep coming in after a paper matched.
        var current = new List<DeliveryPaper>(items.Count);
        var matchedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var stored = await papers.FindAsync(item.PaperId, cancellationToken);
            current.Add(new DeliveryPaper(item.PaperId, stored?.ToSummary() ?? item.Paper));
            matchedAt[item.PaperId] = item.MatchedAt;
        }

        var result = await deliveries.TryEnqueueAsync(
            new Delivery
            {
                Id = ResourceIds.NewDeliveryId(time),
                Key = DeliveryKeys.Digest(subscription.Id, period.Key),
                SubscriptionId = subscription.Id,
                Kind = DeliveryKind.Digest,
                Event = "digest",
                Channel = subscription.Channel.Kind,
                Papers = TrendingScore.Rank(current, now, p => matchedAt[p.Id]), // an undated paper is as old as its match
                Period = period,
                CreatedAt = now,
                NextAttemptAt = now + options.Value.SweepAfter,
            },
            cancellationToken);

        var included = result.Delivery.Papers.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        await deliveries.AssignDigestItemsAsync(subscription.Id, items.Where(i => included.Contains(i.PaperId)).Select(i => i.PaperId).ToList(), result.Delivery.Id, cancellationToken);
        if (result.NeedsSending)
        {
            await publish.Publish(new DeliverNotification(result.Delivery.Id), cancellationToken);
        }

        if (result.Created)
        {
            logger.LogInformation(
                "digest {DeliveryId} for subscription {SubscriptionId}, period {Period}: {Count} papers",
                result.Delivery.Id, subscription.Id, period.Key, result.Delivery.Papers.Count);
        }

        return result.Created;
    }
}
