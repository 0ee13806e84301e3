using System.Threading.RateLimiting;
using PaperFeed.Worker.Hosting;

namespace PaperFeed.Worker.Sources.Http;

/// <summary>
/// <c>PaperFeed:Http:Hosts:&lt;host&gt;</c>: how politely to treat one host and its subdomains, across every source
/// of the process. The built-in entries follow the hosts' published rules.
/// </summary>
public sealed class HostPolicy
{
    /// <summary>Start-to-start spacing of requests (arXiv asks for 3 s).</summary>
    public TimeSpan MinInterval { get; set; }

    /// <summary>Requests in flight at once.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>At most this many requests per <see cref="Window"/> (a sliding window); null for no such limit.</summary>
    public int? RequestsPerWindow { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    public static Dictionary<string, HostPolicy> Defaults() => new(StringComparer.OrdinalIgnoreCase)
    {
        // arxiv.org/help/api/tou: one request every three seconds, one connection at a time, for all of its hosts.
        ["arxiv.org"] = new HostPolicy { MinInterval = TimeSpan.FromSeconds(3), MaxConcurrency = 1 },

        // Hugging Face Hub API: 500 requests per 5 minutes for anonymous clients.
        ["huggingface.co"] = new HostPolicy { RequestsPerWindow = 500, Window = TimeSpan.FromMinutes(5), MaxConcurrency = 4 },
    };
}

/// <summary>
/// One gate per configured host, shared by every source and every request of the process: a request to
/// <c>export.arxiv.org</c> and one to <c>rss.arxiv.org</c> queue at the same <c>arxiv.org</c> gate.
/// </summary>
public sealed class HostGates : IDisposable
{
    private readonly Dictionary<string, HostGate> _gates;

    public HostGates(SourceHttpOptions options, TimeProvider clock)
    {
        _gates = options.Hosts.ToDictionary(
            kv => kv.Key.Trim().TrimStart('.').ToLowerInvariant(),
            kv => new HostGate(kv.Key, kv.Value, clock),
            StringComparer.Ordinal);
    }

    /// <summary>The gate for a host: its own entry, else its closest configured parent domain, else none.</summary>
    public HostGate? For(string host)
    {
        var h = host.ToLowerInvariant();
        while (true)
        {
            if (_gates.TryGetValue(h, out var gate))
            {
                return gate;
            }

            var dot = h.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return null;
            }

            h = h[(dot + 1)..];
        }
    }

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }
    }
}

/// <summary>Concurrency, spacing and a request budget for one host.</summary>
public sealed class HostGate : IDisposable
{
    private readonly HostPolicy _policy;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _slots;
    private readonly SlidingWindowRateLimiter? _budget;
    private readonly Lock _lock = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public HostGate(string name, HostPolicy policy, TimeProvider clock)
    {
        Name = name;
        _policy = policy;
        _clock = clock;
        _slots = new SemaphoreSlim(Math.Max(1, policy.MaxConcurrency));
        if (policy.RequestsPerWindow is { } permits)
        {
            _budget = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, permits),
                Window = policy.Window,
                SegmentsPerWindow = 10,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
    }

    public string Name { get; }

    /// <summary>Waits for a connection slot, the request budget and the spacing; dispose the result when the response is read.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        RateLimitLease? lease = null;
        try
        {
            if (_budget is not null)
            {
                lease = await _budget.AcquireAsync(1, cancellationToken);
                if (!lease.IsAcquired)
                {
                    throw new HttpRequestException($"the request budget for {Name} is exhausted");
                }
            }

            TimeSpan wait;
            lock (_lock)
            {
                var now = _clock.GetUtcNow();
                var start = _next > now ? _next : now;
                wait = start - now;
                _next = start + _policy.MinInterval;
            }

            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _clock, cancellationToken);
            }

            return new Release(this, lease);
        }
        catch
        {
            lease?.Dispose();
            _slots.Release();
            throw;
        }
    }

    /// <summary>The host asked for a pause (429/503 with Retry-After): no request to it starts before <paramref name="until"/>.</summary>
    public void Defer(DateTimeOffset until)
    {
        lock (_lock)
        {
            if (until > _next)
            {
                _next = until;
            }
        }
    }

    public void Dispose()
    {
        _slots.Dispose();
        _budget?.Dispose();
    }

    private sealed class Release(HostGate gate, RateLimitLease? lease) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                lease?.Dispose();
                gate._slots.Release();
            }
        }
    }
}

/// <summary>Passes every request of the sources' HTTP client (each retry included) through its host's gate.</summary>
public sealed class PoliteHostHandler(HostGates gates, TimeProvider clock) : DelegatingHandler
{
    /// <summary>A Retry-After longer than this is not waited for inside a poll; the poll fails and backs off instead.</summary>
    public static readonly TimeSpan LongestDeferral = TimeSpan.FromMinutes(10);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var gate = request.RequestUri is { } uri ? gates.For(uri.Host) : null;
        if (gate is null)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var entered = await gate.EnterAsync(cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch
        {
            entered.Dispose();
            throw;
        }

        if ((int)response.StatusCode is 429 or 503 && RetryAfter(response) is { } delay && delay > TimeSpan.Zero)
        {
            gate.Defer(clock.GetUtcNow() + (delay < LongestDeferral ? delay : LongestDeferral));
        }

        // The connection is in use until the body has been read: the slot is given back when the response is
        // disposed, not when its headers arrive.
        response.Content = new GatedContent(response.Content, entered);
        return response;
    }

    /// <summary>The response body, holding the host's slot until it is disposed.</summary>
    private sealed class GatedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly IDisposable _slot;

        public GatedContent(HttpContent inner, IDisposable slot)
        {
            _inner = inner;
            _slot = slot;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => _inner.CopyToAsync(stream);

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyToAsync(stream, cancellationToken);

        protected override Task<Stream> CreateContentReadStreamAsync() => _inner.ReadAsStreamAsync();

        protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => _inner.ReadAsStreamAsync(cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? 0;
            return _inner.Headers.ContentLength is not null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                _slot.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - clock.GetUtcNow(),
            _ => null,
        };
}
