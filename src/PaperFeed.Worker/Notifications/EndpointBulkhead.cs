using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications;

/// <summary>
/// Sending slots per endpoint: a webhook host (host and port) gets <see cref="WebhookOptions.MaxConcurrentPerHost"/>,
/// the mail server <see cref="SmtpOptions.MaxConcurrent"/>. A busy endpoint is waited for (briefly: its requests end
/// and free their slots); a slow one — all slots taken and one of its requests running longer than
/// <see cref="SlowAfter"/> — is not: its delivery is left for the retry job, so the consumer's slots keep serving the
/// healthy endpoints instead of queueing behind a dead one.
/// </summary>
public sealed class EndpointBulkhead(IOptions<WebhookOptions> webhooks, IOptions<SmtpOptions> smtp)
{
    /// <summary>A request running longer than this marks its endpoint as slow; also the longest wait for a slot.</summary>
    public static readonly TimeSpan SlowAfter = TimeSpan.FromSeconds(2);

    private static readonly IDisposable Unlimited = new Slot(null);

    private readonly ConcurrentDictionary<string, Endpoint> _endpoints = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A slot for sending over <paramref name="channel"/>, released on dispose; null when its endpoint is slow and full.</summary>
    public async Task<IDisposable?> EnterAsync(SubscriptionChannel channel, CancellationToken cancellationToken)
    {
        var (name, capacity) = channel.Kind switch
        {
            ChannelKind.Webhook when Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) => ($"webhook {url.Scheme}://{url.Authority}", webhooks.Value.MaxConcurrentPerHost),
            ChannelKind.Email => ("smtp", smtp.Value.MaxConcurrent),
            _ => (null, 0),
        };
        if (name is null || capacity <= 0)
        {
            return Unlimited; // nothing to hold back (an unusable URL fails on its own)
        }

        var endpoint = _endpoints.GetOrAdd(name, _ => new Endpoint(capacity));
        var entered = endpoint.Slots.Wait(0)
            || (!endpoint.IsSlow() && await endpoint.Slots.WaitAsync(SlowAfter, cancellationToken));
        return entered ? endpoint.Started() : null;
    }

    private sealed class Endpoint(int capacity)
    {
        private readonly ConcurrentDictionary<Slot, long> _running = new();

        public SemaphoreSlim Slots { get; } = new(capacity, capacity);

        /// <summary>True when one of its requests has run longer than <see cref="SlowAfter"/> (real time, whatever the clock in use).</summary>
        public bool IsSlow() => _running.Values.Any(started => Stopwatch.GetElapsedTime(started) > SlowAfter);

        public Slot Started()
        {
            var slot = new Slot(this);
            _running[slot] = Stopwatch.GetTimestamp();
            return slot;
        }

        public void Ended(Slot slot)
        {
            _running.TryRemove(slot, out _);
            Slots.Release();
        }
    }

    private sealed class Slot(Endpoint? endpoint) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (endpoint is not null && Interlocked.Exchange(ref _released, 1) == 0)
            {
                endpoint.Ended(this);
            }
        }
    }
}
