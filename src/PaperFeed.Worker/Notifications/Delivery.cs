using PaperFeed.Contracts;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications;

/// <summary>What a delivery carries.</summary>
public enum DeliveryKind
{
    /// <summary>One paper, sent as soon as it matched (<c>paper.added</c> / <c>paper.revised</c>).</summary>
    Alert,

    /// <summary>The ranked matches of one day or week (<c>digest</c>).</summary>
    Digest,

    /// <summary>The double opt-in message of an e-mail subscription.</summary>
    Confirmation,
}

public enum DeliveryState
{
    /// <summary>Created, not tried yet.</summary>
    Pending,

    /// <summary>Claimed by a worker that is sending it now (until <see cref="Delivery.ClaimedUntil"/>).</summary>
    Sending,

    Delivered,

    /// <summary>The last attempt failed; the next one is due at <see cref="Delivery.NextAttemptAt"/>.</summary>
    Failed,

    /// <summary>Given up: the retry schedule ran out, or the failure cannot be retried. Can be replayed.</summary>
    Dead,
}

/// <summary>A paper as it was when the delivery was created.</summary>
/// <param name="Score">The trending score a digest was ranked by.</param>
public sealed record DeliveryPaper(string Id, PaperSummary Paper, double? Score = null);

/// <summary>The day or week a digest covers, in the subscription's time zone.</summary>
/// <param name="Key">The period's name, part of the delivery key: <c>2026-11-27</c> or <c>2026-W48</c>.</param>
public sealed record DigestPeriod(string Key, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// One notification to one subscription, unique by <see cref="Key"/>: the record that makes "sent once" true
/// however often the messages that lead to it are redelivered. It carries its content (a snapshot of the
/// papers) and its own retry schedule.
/// </summary>
public sealed record Delivery
{
    /// <summary><c>dlv_</c> + 26 characters; the <c>webhook-id</c> and the e-mail Message-ID, the same on every attempt.</summary>
    public required string Id { get; init; }

    /// <summary>Unique: see <see cref="DeliveryKeys"/>.</summary>
    public required string Key { get; init; }

    public required string SubscriptionId { get; init; }
    public required DeliveryKind Kind { get; init; }

    /// <summary><c>paper.added</c>, <c>paper.revised</c>, <c>digest</c> or <c>subscription.confirm</c>.</summary>
    public required string Event { get; init; }

    public required ChannelKind Channel { get; init; }
    public IReadOnlyList<DeliveryPaper> Papers { get; init; } = [];
    public DigestPeriod? Period { get; init; }

    public DeliveryState State { get; init; } = DeliveryState.Pending;
    public int Attempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the retry job picks it up: the next retry, or for a pending delivery the moment it counts as forgotten.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>While <see cref="DeliveryState.Sending"/>: when the claim lapses (the worker is presumed dead).</summary>
    public DateTimeOffset? ClaimedUntil { get; init; }

    public DateTimeOffset? LastAttemptAt { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
}

/// <summary>The unique keys of deliveries.</summary>
public static class DeliveryKeys
{
    /// <summary>The first alert about a paper to a subscription, whichever source or revision produced it.</summary>
    public static string Alert(string subscriptionId, string paperId, ChannelKind channel) =>
        $"{subscriptionId}|{paperId}|{channel.ToString().ToLowerInvariant()}";

    /// <summary>An alert about a later revision of a paper (subscriptions that asked for revisions).</summary>
    public static string Revision(string subscriptionId, string paperId, ChannelKind channel, int revision) =>
        $"{Alert(subscriptionId, paperId, channel)}|r{revision}";

    public static string Digest(string subscriptionId, string periodKey) => $"{subscriptionId}|digest|{periodKey}";

    public static string Confirmation(string subscriptionId) => $"{subscriptionId}|confirm";
}
