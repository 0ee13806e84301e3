using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications;

/// <summary>What <see cref="EndpointBulkhead.TryEnter"/> found.</summary>
public enum BulkheadEntry
{
    /// <summary>A slot was free and is now held.</summary>
    Entered,

    /// <summary>Every slot is taken by requests that are still young: the endpoint is busy, ask again shortly.</summary>
    Busy,

    /// <summary>Every slot is taken and one request has run longer than <see cref="EndpointBulkhead.SlowAfter"/>: leave it for the retry job.</summary>
    Slow,
}

/// <summary>
/// Sending slots per endpoint: a webhook host (host and port) gets <see cref="WebhookOptions.MaxConcurrentPerHost"/>,
/// the mail server <see cref="SmtpOptions.MaxConcurrent"/>. Nothing ever waits for a slot while holding one of the
/// consumer's: a busy endpoint's delivery is asked for again shortly (<see cref="DeliveryRequeue"/>), a slow one's —
/// all slots taken and a request running longer than <see cref="SlowAfter"/> — is left for the retry job. So a
/// hanging endpoint holds its own few slots and the consumer's others keep serving the healthy endpoints.
/// </summary>
public sealed class EndpointBulkhead(IOptions<WebhookOptions> webhooks, IOptions<SmtpOptions> smtp)
{
    /// <summary>A request running longer than this marks its endpoint as slow.</summary>
    public static readonly TimeSpan SlowAfter = TimeSpan.FromSeconds(2);

    private static readonly IDisposable Unlimited = new Slot(null);

    private readonly ConcurrentDictionary<string, Endpoint> _endpoints = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes a slot for sending over <paramref name="channel"/> (released on dispose) if one is free, without waiting.</summary>
    public BulkheadEntry TryEnter(SubscriptionChannel channel, out IDisposable? slot)
    {
        slot = null;
        var (name, capacity) = channel.Kind switch
        {
            ChannelKind.Webhook when Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) => ($"webhook {url.Scheme}://{url.Authority}", webhooks.Value.MaxConcurrentPerHost),
            ChannelKind.Email => ("smtp", smtp.Value.MaxConcurrent),
            _ => (null, 0),
        };
        if (name is null || capacity <= 0)
        {
            slot = Unlimited; // nothing to hold back (an unusable URL fails on its own)
            return BulkheadEntry.Entered;
        }

        var endpoint = _endpoints.GetOrAdd(name, _ => new Endpoint(capacity));
        if (endpoint.Slots.Wait(0))
        {
            slot = endpoint.Started();
            return BulkheadEntry.Entered;
        }

        return endpoint.IsSlow() ? BulkheadEntry.Slow : BulkheadEntry.Busy;
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
