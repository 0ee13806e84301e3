using System.Net;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>Resolves a webhook's host name to the addresses the SSRF guard checks and the connection then uses.</summary>
public interface IWebhookHostResolver
{
    /// <summary>Every address of <paramref name="host"/>; throws (typically a <see cref="System.Net.Sockets.SocketException"/>) when it cannot.</summary>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system resolver, except that <c>localhost</c> is loopback without asking anyone (RFC 6761).</summary>
public sealed class DnsWebhookHostResolver : IWebhookHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        WebhookAddressPolicy.IsLocalhost(host)
            ? Task.FromResult(WebhookAddressPolicy.LocalhostAddresses.ToArray())
            : Dns.GetHostAddressesAsync(host, cancellationToken);
}
