using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PaperFeed.Bench;

/// <summary>
/// Webhook receivers on loopback for the <c>bulkhead</c> scenario: one Kestrel server listening on
/// <c>count</c> ports, each port a receiver of its own (a distinct host and port, as a webhook endpoint is keyed).
/// A receiver answers 200 at once or, when told to hang, never answers until the client goes away or the receivers
/// are disposed. Every request's arrival time (<see cref="Stopwatch.GetTimestamp"/>, taken when Kestrel hands the
/// request over) is recorded with the paper it is about, read from the body's <c>bench-paper-N</c> marker.
/// </summary>
public sealed class LoopbackReceivers : IAsyncDisposable
{
    /// <summary>Put into every bench paper's title; the number after it is the paper's index.</summary>
    public const string Marker = "bench-paper-";

    private static readonly byte[] MarkerBytes = Encoding.ASCII.GetBytes(Marker);

    private readonly WebApplication _app;
    private readonly Dictionary<int, Receiver> _byPort = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _healthyDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _papers;
    private int _healthyLeft;

    private LoopbackReceivers(WebApplication app, int papers)
    {
        _app = app;
        _papers = papers;
    }

    /// <summary>The receivers, in the order of their ports.</summary>
    public IReadOnlyList<Receiver> All { get; private set; } = [];

    /// <summary>Completes when every receiver that does not hang has received a request for each of the papers.</summary>
    public Task HealthyDone => _healthyDone.Task;

    /// <summary>Starts <paramref name="count"/> receivers; the first <paramref name="hanging"/> of them hang.</summary>
    public static async Task<LoopbackReceivers> StartAsync(int count, int hanging, int papers, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            for (var i = 0; i < count; i++)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
        });
        var app = builder.Build();
        var receivers = new LoopbackReceivers(app, papers);
        app.Run(receivers.HandleAsync);
        await app.StartAsync(ct);

        var ports = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => new Uri(a).Port)
            .Order()
            .ToList();
        if (ports.Count != count)
        {
            throw new InvalidOperationException($"expected {count} listening ports, Kestrel reports {ports.Count}");
        }

        receivers.All = [.. ports.Select((port, i) => new Receiver(port, hang: i < hanging, papers))];
        foreach (var receiver in receivers.All)
        {
            receivers._byPort[receiver.Port] = receiver;
        }

        receivers._healthyLeft = count - hanging;
        if (receivers._healthyLeft == 0)
        {
            receivers._healthyDone.TrySetResult();
        }

        return receivers;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var receiver = _byPort[context.Connection.LocalPort];
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var paper = PaperIndex(body.GetBuffer().AsSpan(0, (int)body.Length));
        if (receiver.Record(paper, arrived) && Interlocked.Decrement(ref _healthyLeft) == 0)
        {
            _healthyDone.TrySetResult();
        }

        if (receiver.Hangs)
        {
            using var hang = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            await Task.Delay(Timeout.Infinite, hang.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            context.Abort(); // never an answer, not even when the receivers stop
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private int PaperIndex(ReadOnlySpan<byte> body)
    {
        var at = body.IndexOf(MarkerBytes);
        if (at < 0)
        {
            return -1;
        }

        var digits = body[(at + MarkerBytes.Length)..];
        var length = digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        return int.TryParse(length < 0 ? digits : digits[..length], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < _papers ? index : -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>One receiver (one port): whether it hangs, and when each paper's request arrived.</summary>
    public sealed class Receiver
    {
        private readonly long[] _arrivals;
        private readonly Lock _lock = new();
        private int _distinct;
        private int _requests;

        public Receiver(int port, bool hang, int papers)
        {
            Port = port;
            Hangs = hang;
            _arrivals = new long[papers];
        }

        public int Port { get; }

        public bool Hangs { get; }

        /// <summary>Requests received, repeats included.</summary>
        public int Requests => Volatile.Read(ref _requests);

        /// <summary>The first arrival per paper (0 where none came), by paper index.</summary>
        public long[] Arrivals
        {
            get
            {
                lock (_lock)
                {
                    return (long[])_arrivals.Clone();
                }
            }
        }

        /// <summary>Records a request; true when it was the last paper a healthy receiver was waiting for.</summary>
        internal bool Record(int paper, long arrived)
        {
            lock (_lock)
            {
                _requests++;
                if (paper < 0 || _arrivals[paper] != 0)
                {
                    return false;
                }

                _arrivals[paper] = arrived;
                return ++_distinct == _arrivals.Length && !Hangs;
            }
        }
    }
}
