namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>
/// A webhook's host resolved only to addresses the <see cref="WebhookAddressPolicy"/> refuses, so no connection
/// was attempted. Thrown while connecting; <see cref="HttpClient"/> hands it on as the inner exception of an
/// <see cref="HttpRequestException"/>.
/// </summary>
public sealed class WebhookAddressRefusedException : Exception
{
    public WebhookAddressRefusedException(string host, IReadOnlyList<RefusedAddress> refused, string reason)
        : base(reason)
    {
        Host = host;
        Refused = refused;
    }

    /// <summary>The host as the URL names it.</summary>
    public string Host { get; }

    /// <summary>Every address the host resolved to, each with why it was refused.</summary>
    public IReadOnlyList<RefusedAddress> Refused { get; }

    /// <summary>What the delivery shows: the addresses, their ranges and the settings that would allow them.</summary>
    public string Reason => Message;
}
