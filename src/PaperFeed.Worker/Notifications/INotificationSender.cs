using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications;

/// <summary>Everything a sender needs for one attempt.</summary>
/// <param name="UnsubscribeUrl">The signed one-click unsubscribe link (e-mail only; null for webhooks).</param>
/// <param name="ConfirmUrl">The signed confirmation link of a <see cref="DeliveryKind.Confirmation"/>.</param>
/// <param name="Attempt">1 for the first attempt.</param>
public sealed record Notification(Delivery Delivery, Subscription Subscription, Uri? UnsubscribeUrl, Uri? ConfirmUrl, int Attempt);

public enum SendOutcome
{
    Delivered,

    /// <summary>Worth trying again later (timeouts, 429, 5xx, SMTP 4xx, connection failures).</summary>
    Retry,

    /// <summary>Will never work for this delivery (e.g. a refused address); the delivery is dead, the subscription stays.</summary>
    Dead,

    /// <summary>The channel is gone (HTTP 410, a mailbox that does not exist): the delivery is dead and the subscription paused.</summary>
    PauseSubscription,
}

/// <summary>How one attempt went.</summary>
/// <param name="StatusCode">The HTTP status, or the SMTP reply code.</param>
/// <param name="Error">What went wrong, for people: shown in the API and logs.</param>
/// <param name="RetryAfter">The receiver asked to wait this long (HTTP Retry-After).</param>
public sealed record SendResult(SendOutcome Outcome, int? StatusCode = null, string? Error = null, TimeSpan? RetryAfter = null)
{
    public static SendResult Ok(int? statusCode = null) => new(SendOutcome.Delivered, statusCode);
}

/// <summary>Sends a notification over one kind of channel. Never throws for a failed delivery: it returns why.</summary>
public interface INotificationSender
{
    ChannelKind Channel { get; }

    Task<SendResult> SendAsync(Notification notification, CancellationToken cancellationToken);
}
