using MassTransit;
using Microsoft.Extensions.Options;
using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Worker.Subscriptions;

/// <summary>
/// Creates and changes subscriptions and keeps this process's matching index in step (other workers catch up
/// through <see cref="SubscriptionIndexRefresher"/>). An e-mail subscription starts pending and gets a
/// confirmation mail, sent as a delivery like any other (durable, retried).
/// </summary>
public sealed class SubscriptionService(
    ISubscriptionStore store, IDeliveryStore deliveries, SubscriptionIndex index, IPublishEndpoint publish, IOptions<DeliveryOptions> options, TimeProvider time)
{
    /// <summary>Stores a validated new subscription; a webhook gets a fresh signing secret.</summary>
    public async Task<Subscription> CreateAsync(
        string? name, SubscriptionChannel channel, SubscriptionFilter filter, DeliverySchedule schedule, bool notifyRevisions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var now = time.GetUtcNow();
        var email = channel.Kind == ChannelKind.Email;
        var subscription = new Subscription
        {
            Id = ResourceIds.NewSubscriptionId(time),
            Name = string.IsNullOrWhiteSpace(name) ? null : name.Trim(),
            Channel = email ? channel with { Secret = null } : channel with { Secret = WebhookSignature.GenerateSecret() },
            Filter = filter,
            Schedule = schedule,
            NotifyRevisions = notifyRevisions,
            Status = email ? SubscriptionStatus.Pending : SubscriptionStatus.Active,
            ConfirmedAt = email ? null : now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.AddAsync(subscription, cancellationToken);
        index.Upsert(subscription);
        if (email)
        {
            await SendConfirmationAsync(subscription, cancellationToken);
        }

        return subscription;
    }

    /// <summary>Applies a change and re-indexes; null when there is no such subscription.</summary>
    public async Task<Subscription?> UpdateAsync(string id, Func<Subscription, Subscription> change, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var updated = await store.UpdateAsync(id, s => change(s) with { UpdatedAt = now }, cancellationToken);
        if (updated is not null)
        {
            index.Upsert(updated);
        }

        return updated;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var deleted = await store.DeleteAsync(id, time.GetUtcNow(), cancellationToken);
        index.Remove(id);
        return deleted;
    }

    /// <summary>Double opt-in: the address confirmed, the subscription becomes active. Idempotent.</summary>
    public Task<Subscription?> ConfirmAsync(string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return UpdateAsync(id, s => s.Status == SubscriptionStatus.Pending ? s with { Status = SubscriptionStatus.Active, ConfirmedAt = now } : s, cancellationToken);
    }

    /// <summary>One-click unsubscribe: no more messages to this subscription. Idempotent.</summary>
    public Task<Subscription?> UnsubscribeAsync(string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return UpdateAsync(id, s => s with { Status = SubscriptionStatus.Unsubscribed, PausedReason = "unsubscribed by the recipient", PausedAt = now }, cancellationToken);
    }

    private async Task SendConfirmationAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = await deliveries.TryEnqueueAsync(
            new Delivery
            {
                Id = ResourceIds.NewDeliveryId(time),
                Key = DeliveryKeys.Confirmation(subscription.Id),
                SubscriptionId = subscription.Id,
                Kind = DeliveryKind.Confirmation,
                Event = "subscription.confirm",
                Channel = ChannelKind.Email,
                CreatedAt = now,
                NextAttemptAt = now + options.Value.SweepAfter,
            },
            cancellationToken);
        await publish.Publish(new DeliverNotification(result.Delivery.Id), cancellationToken);
    }
}
