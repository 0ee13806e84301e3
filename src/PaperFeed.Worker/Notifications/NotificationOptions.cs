namespace PaperFeed.Worker.Notifications;

/// <summary><c>PaperFeed:Deliveries</c>: the durable retry schedule shared by every channel.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "PaperFeed:Deliveries";

    /// <summary>
    /// Pauses before the 2nd, 3rd, … attempt (the 1st is immediate). After the last one fails the delivery is
    /// dead. A receiver's Retry-After lengthens a pause, never shortens it.
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>A subscription whose deliveries have failed without a success for this long is paused.</summary>
    public TimeSpan PauseAfter { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long a worker may take over one attempt before another may claim the delivery.</summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A pending delivery nobody sent within this time is sent by the retry job (its message was lost).</summary>
    public TimeSpan SweepAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the retry job and the digest job look for work.</summary>
    public TimeSpan JobInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest pause a Retry-After header can ask for.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The key that signs confirm and unsubscribe links; when empty, one is generated and kept in the store.</summary>
    public string? TokenKey { get; set; }

    /// <summary>Base address of this PaperFeed for links in messages (confirm, unsubscribe).</summary>
    public Uri PublicUrl { get; set; } = new("http://localhost:5080/");

    /// <summary>The schedule in effect: the configured one, or Standard Webhooks' usual one.</summary>
    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule;

    /// <summary>5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts over about 28 hours.</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetrySchedule { get; } =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];
}

/// <summary><c>PaperFeed:Webhooks</c>: how webhooks are sent, and where they may not go.</summary>
public sealed class WebhookOptions
{
    public const string Section = "PaperFeed:Webhooks";

    /// <summary>A receiver that has not answered within this is retried later.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Only this much of a response is read (for the error shown in the API).</summary>
    public int MaxResponseBytes { get; set; } = 64 * 1024;

    /// <summary>Allows loopback, private, link-local, CGNAT and ULA addresses (tests, home labs). Off by default.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Networks (CIDR, e.g. <c>10.1.0.0/16</c>) or single addresses allowed even though private.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    public string UserAgent { get; set; } = "PaperFeed-Webhooks/1.0";

    /// <summary>
    /// Requests one host (host and port) may have in flight from this worker: a host that hangs holds at most these
    /// sending slots, and its other deliveries wait for the retry job instead of for a slot (a bulkhead per host).
    /// </summary>
    public int MaxConcurrentPerHost { get; set; } = 4;
}

public enum SmtpSecurity
{
    /// <summary>TLS on connect for port 465, STARTTLS when the server offers it otherwise.</summary>
    Auto,
    None,
    StartTls,
    SslOnConnect,
}

/// <summary><c>PaperFeed:Smtp</c>: the mail server e-mail is sent through.</summary>
public sealed class SmtpOptions
{
    public const string Section = "PaperFeed:Smtp";

    public string Host { get; set; } = "localhost";
    public int Port { get; set; } = 25;
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;
    public string? UserName { get; set; }
    public string? Password { get; set; }

    /// <summary>The sender address; its domain is also the right-hand side of Message-IDs.</summary>
    public string From { get; set; } = "paperfeed@localhost";

    public string FromName { get; set; } = "PaperFeed";
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages this worker may be sending through the server at once (the server's bulkhead, as for a webhook host).</summary>
    public int MaxConcurrent { get; set; } = 8;
}
