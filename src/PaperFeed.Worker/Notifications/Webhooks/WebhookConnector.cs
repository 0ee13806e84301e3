using System.Net;
using System.Net.Sockets;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>
/// The <see cref="SocketsHttpHandler.ConnectCallback"/> of the webhook client: resolves the host once, checks every
/// address against the <see cref="WebhookAddressPolicy"/>, and connects the socket to an address that passed.
/// Check and connection use the same answer, so a DNS record that changes in between (rebinding) cannot send the
/// connection elsewhere. A host with no permitted address gets no connection attempt at all.
/// </summary>
public sealed class WebhookConnector(IWebhookHostResolver resolver, WebhookAddressPolicy policy)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var permitted = new List<IPAddress>();
        var refused = new List<RefusedAddress>();
        foreach (var address in await ResolveAsync(host, cancellationToken))
        {
            if (policy.Check(address) is { } reason)
            {
                refused.Add(new RefusedAddress(address, reason));
            }
            else
            {
                permitted.Add(address);
            }
        }

        if (permitted.Count == 0)
        {
            if (refused.Count == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound, $"webhook host '{host}' has no addresses");
            }

            throw new WebhookAddressRefusedException(host, refused, policy.DescribeRefusal(host, refused));
        }

        SocketException? last = null;
        foreach (var address in permitted)
        {
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.Trim('[', ']');
        if (bare.Contains(':', StringComparison.Ordinal) || bare.Split('.').Length == 4)
        {
            if (IPAddress.TryParse(bare, out var literal))
            {
                return [literal];
            }
        }

        return await resolver.ResolveAsync(host, cancellationToken);
    }
}
