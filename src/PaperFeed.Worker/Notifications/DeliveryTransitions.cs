namespace PaperFeed.Worker.Notifications;

/// <summary>
/// The state machine of a delivery, as pure functions both store adapters apply inside their own atomic
/// read-modify-write: pending → sending → delivered | failed (→ sending …) | dead; replay → pending.
/// </summary>
public static class DeliveryTransitions
{
    /// <summary>True when a worker may start an attempt now.</summary>
    public static bool IsClaimable(Delivery delivery, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.State switch
        {
            DeliveryState.Pending => true,
            DeliveryState.Failed => delivery.NextAttemptAt is not { } next || next <= now,
            DeliveryState.Sending => delivery.ClaimedUntil is not { } until || until <= now,
            _ => false,
        };
    }

    /// <summary>The claimed delivery, or null when it is not claimable now.</summary>
    public static Delivery? Claim(Delivery delivery, DateTimeOffset now, DateTimeOffset until) =>
        IsClaimable(delivery, now)
            ? delivery with { State = DeliveryState.Sending, Attempts = delivery.Attempts + 1, ClaimedUntil = until, LastAttemptAt = now }
            : null;

    public static Delivery Record(Delivery delivery, AttemptRecord attempt)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(attempt);
        if (attempt.State is not (DeliveryState.Delivered or DeliveryState.Failed or DeliveryState.Dead))
        {
            throw new ArgumentException($"an attempt ends Delivered, Failed or Dead, not {attempt.State}", nameof(attempt));
        }

        return delivery with
        {
            State = attempt.State,
            ClaimedUntil = null,
            LastAttemptAt = attempt.At,
            LastStatusCode = attempt.StatusCode,
            LastError = attempt.Error,
            NextAttemptAt = attempt.State == DeliveryState.Failed ? attempt.NextAttemptAt ?? attempt.At : null,
            DeliveredAt = attempt.State == DeliveryState.Delivered ? attempt.At : delivery.DeliveredAt,
        };
    }

    /// <summary>Pending again with the attempt count reset, or null for one that is pending or being sent.</summary>
    public static Delivery? Replay(Delivery delivery, DateTimeOffset now) =>
        delivery.State is DeliveryState.Failed or DeliveryState.Dead or DeliveryState.Delivered
            ? delivery with { State = DeliveryState.Pending, Attempts = 0, NextAttemptAt = now, ClaimedUntil = null }
            : null;

    /// <summary>When the retry job should look at the delivery: the next attempt, or when a claim lapses; null when finished.</summary>
    public static DateTimeOffset? DueAt(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.State switch
        {
            DeliveryState.Pending or DeliveryState.Failed => delivery.NextAttemptAt ?? delivery.CreatedAt,
            DeliveryState.Sending => delivery.ClaimedUntil,
            _ => null,
        };
    }
}
