using PaperFeed.Contracts;

namespace PaperFeed.Worker.Notifications;

/// <summary>The result of trying to create a delivery: the stored one, and whether this call created it.</summary>
public sealed record EnqueueResult(Delivery Delivery, bool Created)
{
    /// <summary>Created now, or created by an earlier, interrupted run and never attempted: its DeliverNotification may be owed.</summary>
    public bool NeedsSending => Created || Delivery is { State: DeliveryState.Pending, Attempts: 0 };
}

/// <summary>How an attempt ended, as recorded on the delivery.</summary>
/// <param name="State">Delivered, Failed (with <paramref name="NextAttemptAt"/>) or Dead.</param>
public sealed record AttemptRecord(DeliveryState State, DateTimeOffset At, int? StatusCode, string? Error, DateTimeOffset? NextAttemptAt);

/// <summary>A match waiting for its subscription's next digest.</summary>
public sealed record DigestItem(string SubscriptionId, string PaperId, DateTimeOffset MatchedAt, PaperSummary Paper);

/// <summary>Deliveries (unique by key, with their retry state) and the matches waiting for a digest.</summary>
public interface IDeliveryStore
{
    /// <summary>Stores the delivery unless one with its key exists; either way returns the stored one.</summary>
    Task<EnqueueResult> TryEnqueueAsync(Delivery delivery, CancellationToken cancellationToken);

    Task<Delivery?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the delivery for sending until <paramref name="until"/>: succeeds for a pending one, a failed one
    /// whose next attempt is due, or a sending one whose claim has lapsed. Null when it is not claimable
    /// (delivered, dead, claimed by someone else, or not due yet). Increments the attempt count.
    /// </summary>
    Task<Delivery?> TryClaimAsync(string id, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Records how the claimed attempt ended.</summary>
    Task<Delivery> RecordAttemptAsync(string id, AttemptRecord attempt, CancellationToken cancellationToken);

    /// <summary>Ids of deliveries the retry job should send now: pending or failed ones due at <paramref name="now"/>, and lapsed claims.</summary>
    Task<IReadOnlyList<string>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>A subscription's deliveries, newest first; <paramref name="before"/> is the last id of the previous page.</summary>
    Task<IReadOnlyList<Delivery>> ListBySubscriptionAsync(string subscriptionId, int limit, string? before, CancellationToken cancellationToken);

    /// <summary>Makes a failed, dead or delivered delivery pending again (same id, attempts from zero).</summary>
    Task<Delivery?> ReplayAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Counts deliveries by state (for metrics and the API).</summary>
    Task<IReadOnlyDictionary<DeliveryState, long>> CountByStateAsync(CancellationToken cancellationToken);

    /// <summary>Remembers a match for the subscription's next digest; a repeated (subscription, paper) is ignored.</summary>
    Task AddDigestItemAsync(DigestItem item, CancellationToken cancellationToken);

    /// <summary>Subscriptions with matches not yet in a digest.</summary>
    Task<IReadOnlyList<string>> ListSubscriptionsWithDigestItemsAsync(CancellationToken cancellationToken);

    /// <summary>A subscription's matches not yet in a digest, matched before <paramref name="before"/>.</summary>
    Task<IReadOnlyList<DigestItem>> ListDigestItemsAsync(string subscriptionId, DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Marks the items as sent in the digest <paramref name="deliveryId"/> (idempotent).</summary>
    Task AssignDigestItemsAsync(string subscriptionId, IReadOnlyCollection<string> paperIds, string deliveryId, CancellationToken cancellationToken);
}
