namespace PaperFeed.Worker.Subscriptions;

/// <summary>Where a subscription's notifications go.</summary>
public enum ChannelKind
{
    Webhook,
    Email,
}

/// <summary>The body a webhook receives: PaperFeed's own JSON, or a Slack / Discord incoming-webhook message.</summary>
public enum WebhookFormat
{
    Standard,
    Slack,
    Discord,
}

/// <summary>When matches are sent: each at once, or collected into one ranked digest per day or week.</summary>
public enum DeliveryMode
{
    Instant,
    Daily,
    Weekly,
}

public enum SubscriptionStatus
{
    /// <summary>An e-mail subscription waiting for its address to be confirmed (double opt-in).</summary>
    Pending,
    Active,

    /// <summary>Paused by the owner, or by PaperFeed (endpoint gone, mailbox bouncing, failing for days); see <see cref="Subscription.PausedReason"/>.</summary>
    Paused,

    /// <summary>Unsubscribed through the link in a message; kept so the address is not mailed again.</summary>
    Unsubscribed,
}

/// <summary>A webhook (<see cref="Url"/>, <see cref="Format"/>, <see cref="Secret"/>) or an e-mail address.</summary>
public sealed record SubscriptionChannel
{
    public required ChannelKind Kind { get; init; }
    public string? Url { get; init; }
    public WebhookFormat Format { get; init; } = WebhookFormat.Standard;

    /// <summary>The Standard Webhooks signing secret (<c>whsec_</c> + base64); shown to the owner once, at creation.</summary>
    public string? Secret { get; init; }

    public string? Address { get; init; }

    /// <summary>Where to, for logs and lists (never the secret).</summary>
    public string Target => Kind == ChannelKind.Webhook ? Url ?? "" : Address ?? "";
}

/// <summary>When digests are sent: <see cref="SendAt"/> local time in <see cref="TimeZone"/>, on <see cref="Day"/> for weekly ones.</summary>
public sealed record DeliverySchedule
{
    public DeliveryMode Mode { get; init; } = DeliveryMode.Instant;
    public TimeOnly SendAt { get; init; } = new(8, 0);

    /// <summary>An IANA time zone id (<c>Europe/Berlin</c>).</summary>
    public string TimeZone { get; init; } = "UTC";

    public DayOfWeek Day { get; init; } = DayOfWeek.Monday;
}

/// <summary>"Tell me about new papers on X": a filter, a channel and a schedule.</summary>
public sealed record Subscription
{
    /// <summary><c>sub_</c> + 26 characters.</summary>
    public required string Id { get; init; }

    public string? Name { get; init; }
    public required SubscriptionChannel Channel { get; init; }
    public required SubscriptionFilter Filter { get; init; }
    public DeliverySchedule Schedule { get; init; } = new();

    /// <summary>Also notify when a paper already notified gets a new version (instant alerts only).</summary>
    public bool NotifyRevisions { get; init; }

    public SubscriptionStatus Status { get; init; } = SubscriptionStatus.Active;
    public string? PausedReason { get; init; }
    public DateTimeOffset? PausedAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ConfirmedAt { get; init; }

    /// <summary>Since when deliveries to this subscription have failed without a success in between.</summary>
    public DateTimeOffset? FailingSince { get; init; }

    /// <summary>True when matching papers should produce deliveries.</summary>
    public bool IsActive => Status == SubscriptionStatus.Active;
}
