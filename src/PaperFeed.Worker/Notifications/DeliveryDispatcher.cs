using Microsoft.Extensions.Options;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Worker.Notifications;

/// <summary>
/// Makes one attempt at one delivery: claims it (so no other worker or redelivered message sends it at the same
/// time), sends it over its channel, and records the outcome with the next attempt time from the durable retry
/// schedule. Also keeps the subscription's health: a gone endpoint, a bouncing mailbox or days of failures pause it.
/// </summary>
public sealed class DeliveryDispatcher(
    IDeliveryStore deliveries,
    ISubscriptionStore subscriptions,
    IEnumerable<INotificationSender> senders,
    SubscriptionTokens tokens,
    SubscriptionIndex index,
    IOptions<DeliveryOptions> options,
    EndpointBulkhead bulkhead,
    TimeProvider time,
    Hosting.PaperFeedMetrics metrics,
    ILogger<DeliveryDispatcher> logger,
    DeliveryRequeue? requeue = null)
{
    private readonly Dictionary<ChannelKind, INotificationSender> _senders = senders.ToDictionary(s => s.Channel);

    /// <summary>The delivery after this attempt, or null when there was nothing to do (finished, claimed elsewhere, not due, unknown).</summary>
    public async Task<Delivery?> DispatchAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var queued = await deliveries.GetAsync(deliveryId, cancellationToken);
        if (queued is null || queued.State is DeliveryState.Delivered or DeliveryState.Dead)
        {
            return null; // unknown or finished: a redelivered message has nothing to do
        }

        // The endpoint's bulkhead is entered before the claim: a delivery left for later has cost no attempt, and the
        // retry job sends it (a pending one after SweepAfter, a failed one when due).
        var subscription = await subscriptions.GetAsync(queued.SubscriptionId, cancellationToken);
        IDisposable? slot = null;
        var entry = subscription is null ? BulkheadEntry.Entered : bulkhead.TryEnter(subscription.Channel, out slot);
        if (entry != BulkheadEntry.Entered)
        {
            // Busy: asked for again in a moment. Slow: the retry job sends it (a pending one after SweepAfter).
            logger.LogDebug("delivery {DeliveryId}: its endpoint's sending slots are all in use ({Entry})", deliveryId, entry);
            metrics.Deferred(subscription!.Channel.Kind.ToString().ToLowerInvariant(), entry.ToString().ToLowerInvariant());
            if (entry == BulkheadEntry.Busy)
            {
                requeue?.Later(deliveryId);
            }

            return null;
        }

        using var held = slot;
        var now = time.GetUtcNow();
        var delivery = await deliveries.TryClaimAsync(deliveryId, now, now + settings.ClaimTimeout, cancellationToken);
        if (delivery is null)
        {
            return null;
        }

        using var scope = logger.About(
            [PaperFeedTracing.Id.Delivery(delivery.Id), PaperFeedTracing.Id.Subscription(delivery.SubscriptionId),
             .. delivery.Papers.Count == 1 ? [PaperFeedTracing.Id.Paper(delivery.Papers[0].Id)] : Array.Empty<PaperFeedTracing.Id>()]);
        if (Unsendable(delivery, subscription) is { } reason)
        {
            logger.LogInformation("delivery {DeliveryId} to {SubscriptionId} not sent: {Reason}", delivery.Id, delivery.SubscriptionId, reason);
            return await deliveries.RecordAttemptAsync(delivery.Id, new AttemptRecord(DeliveryState.Dead, now, null, reason, null), CancellationToken.None);
        }

        SendResult result;
        try
        {
            result = await SendAsync(delivery, subscription!, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down mid-attempt: make it due again at once rather than waiting for the claim to lapse.
            await deliveries.RecordAttemptAsync(delivery.Id, new AttemptRecord(DeliveryState.Failed, now, null, "interrupted by shutdown", now), CancellationToken.None);
            throw;
        }
        catch (Exception ex)
        {
            result = new SendResult(SendOutcome.Retry, Error: $"{ex.GetType().Name}: {ex.Message}");
        }

        return await RecordAsync(delivery, subscription!, result, settings);
    }

    private async Task<SendResult> SendAsync(Delivery delivery, Subscription subscription, CancellationToken cancellationToken)
    {
        if (!_senders.TryGetValue(delivery.Channel, out var sender))
        {
            return new SendResult(SendOutcome.Retry, Error: $"no {delivery.Channel} sender is configured in this worker");
        }

        var unsubscribe = delivery.Channel == ChannelKind.Email && delivery.Kind != DeliveryKind.Confirmation
            ? await tokens.LinkAsync(subscription.Id, TokenPurpose.Unsubscribe, cancellationToken)
            : null;
        var confirm = delivery.Kind == DeliveryKind.Confirmation
            ? await tokens.LinkAsync(subscription.Id, TokenPurpose.Confirm, cancellationToken)
            : null;
        return await sender.SendAsync(new Notification(delivery, subscription, unsubscribe, confirm, delivery.Attempts), cancellationToken);
    }

    private static string? Unsendable(Delivery delivery, Subscription? subscription) => subscription switch
    {
        null => "the subscription was deleted",
        { Status: SubscriptionStatus.Pending } when delivery.Kind == DeliveryKind.Confirmation => null,
        { Status: SubscriptionStatus.Active } when delivery.Kind == DeliveryKind.Confirmation => "the subscription is already confirmed",
        { Status: SubscriptionStatus.Active } => null,
        { Status: SubscriptionStatus.Paused } s => $"the subscription is paused ({s.PausedReason ?? "by its owner"})",
        { Status: SubscriptionStatus.Unsubscribed } => "the subscriber unsubscribed",
        _ => "the subscription is not confirmed",
    };

    private async Task<Delivery> RecordAsync(Delivery delivery, Subscription subscription, SendResult result, DeliveryOptions settings)
    {
        // Recorded whatever happens to the caller's token: the attempt did happen.
        var ct = CancellationToken.None;
        var now = time.GetUtcNow();
        var schedule = settings.EffectiveRetrySchedule;
        AttemptRecord record;
        string? pauseReason = null;
        switch (result.Outcome)
        {
            case SendOutcome.Delivered:
                record = new AttemptRecord(DeliveryState.Delivered, now, result.StatusCode, null, null);
                break;
            case SendOutcome.Retry when delivery.Attempts <= schedule.Count:
                var pause = schedule[delivery.Attempts - 1];
                if (result.RetryAfter is { } asked && asked > pause)
                {
                    pause = asked < settings.MaxRetryAfter ? asked : settings.MaxRetryAfter;
                }

                record = new AttemptRecord(DeliveryState.Failed, now, result.StatusCode, result.Error, now + pause);
                break;
            case SendOutcome.Retry:
                record = new AttemptRecord(DeliveryState.Dead, now, result.StatusCode, $"gave up after {delivery.Attempts} attempts; last: {result.Error}", null);
                break;
            case SendOutcome.PauseSubscription:
                record = new AttemptRecord(DeliveryState.Dead, now, result.StatusCode, result.Error, null);
                pauseReason = result.Error;
                break;
            default:
                record = new AttemptRecord(DeliveryState.Dead, now, result.StatusCode, result.Error, null);
                break;
        }

        var saved = await deliveries.RecordAttemptAsync(delivery.Id, record, ct);
        metrics.Attempted(delivery.Channel.ToString().ToLowerInvariant(), saved.State.ToString().ToLowerInvariant());
        LogAttempt(saved, result);

        if (result.Outcome == SendOutcome.Delivered)
        {
            if (subscription.FailingSince is not null)
            {
                await subscriptions.UpdateAsync(subscription.Id, s => s with { FailingSince = null }, ct);
            }
        }
        else if (pauseReason is null && result.Outcome == SendOutcome.Retry)
        {
            var since = subscription.FailingSince ?? now;
            if (now - since >= settings.PauseAfter)
            {
                pauseReason = $"deliveries have failed since {since:u}; last error: {result.Error}";
            }
            else if (subscription.FailingSince is null)
            {
                await subscriptions.UpdateAsync(subscription.Id, s => s with { FailingSince = s.FailingSince ?? now }, ct);
            }
        }

        if (pauseReason is not null && delivery.Kind != DeliveryKind.Confirmation)
        {
            var paused = await subscriptions.UpdateAsync(
                subscription.Id,
                s => s with { Status = SubscriptionStatus.Paused, PausedReason = pauseReason, PausedAt = now, UpdatedAt = now },
                ct);
            if (paused is not null)
            {
                index.Upsert(paused);
            }

            logger.LogWarning("subscription {SubscriptionId} paused: {Reason}", subscription.Id, pauseReason);
        }

        return saved;
    }

    private void LogAttempt(Delivery delivery, SendResult result)
    {
        if (delivery.State == DeliveryState.Delivered)
        {
            logger.LogInformation(
                "delivery {DeliveryId} ({Event}) to {SubscriptionId} delivered on attempt {Attempt}",
                delivery.Id, delivery.Event, delivery.SubscriptionId, delivery.Attempts);
        }
        else
        {
            logger.LogWarning(
                "delivery {DeliveryId} ({Event}) to {SubscriptionId} attempt {Attempt} failed ({Outcome}): {Error}; now {State}{Next}",
                delivery.Id, delivery.Event, delivery.SubscriptionId, delivery.Attempts, result.Outcome, result.Error, delivery.State,
                delivery.NextAttemptAt is { } next ? $", next attempt {next:u}" : "");
        }
    }
}
