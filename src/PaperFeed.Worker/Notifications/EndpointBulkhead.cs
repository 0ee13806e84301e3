using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications;

/// <summary>
/// Sending slots per endpoint: a webhook host (host and port) gets <see cref="WebhookOptions.MaxConcurrentPerHost"/>,
/// the mail server <see cref="SmtpOptions.MaxConcurrent"/>. A slot is taken without waiting; when an endpoint's are
/// all in use (it is slow or hangs), its delivery is left for the retry job, so the consumer's slots keep serving the
/// healthy endpoints instead of queueing behind a dead one.
/// </summary>
public sealed class EndpointBulkhead(IOptions<WebhookOptions> webhooks, IOptions<SmtpOptions> smtp)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _endpoints = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A slot for sending over <paramref name="channel"/>, released on dispose; false when its endpoint's slots are all in use.</summary>
    public bool TryEnter(SubscriptionChannel channel, out IDisposable? slot)
    {
        slot = null;
        var (endpoint, capacity) = channel.Kind switch
        {
            ChannelKind.Webhook when Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) => ($"webhook {url.Scheme}://{url.Authority}", webhooks.Value.MaxConcurrentPerHost),
            ChannelKind.Email => ("smtp", smtp.Value.MaxConcurrent),
            _ => (null, 0),
        };
        if (endpoint is null || capacity <= 0)
        {
            return true; // nothing to hold back (an unusable URL fails on its own)
        }

        var slots = _endpoints.GetOrAdd(endpoint, _ => new SemaphoreSlim(capacity, capacity));
        if (!slots.Wait(0))
        {
            return false;
        }

        slot = new Slot(slots);
        return true;
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
