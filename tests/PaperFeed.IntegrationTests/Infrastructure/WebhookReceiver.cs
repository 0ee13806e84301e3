using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using PaperFeed.Worker.Notifications.Webhooks;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>One webhook request as the receiver got it.</summary>
/// <param name="VerificationFailure">Why the Standard Webhooks signature did not verify; null when it did.</param>
public sealed record ReceivedWebhook(
    string Path,
    string? Id,
    string? Timestamp,
    string? Signature,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body,
    string? VerificationFailure,
    IPAddress? RemoteAddress)
{
    public bool Verified => VerificationFailure is null;

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A webhook receiver on loopback: verifies every request's signature with the subscription's secret by the
/// Standard Webhooks rules (a request that fails gets 401), records it, and then answers as its path was told to:
/// 200 by default, or a status (with Retry-After), fail-then-succeed, a redirect, a hang until the test ends, or a
/// huge body. Counts TCP connections too, so a test can show that none was made.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _secret;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _hugeWritten = new(StringComparer.Ordinal);
    private readonly List<ReceivedWebhook> _received = [];
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private int _connections;

    private WebhookReceiver(WebApplication app, string secret, TimeProvider clock)
    {
        _app = app;
        _secret = secret;
        _clock = clock;
    }

    public Uri BaseUri { get; private set; } = null!;

    public int Port => BaseUri.Port;

    /// <summary>TCP connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Received
    {
        get
        {
            lock (_lock)
            {
                return _received.ToArray();
            }
        }
    }

    /// <param name="secret">The subscription's <c>whsec_</c> secret.</param>
    /// <param name="clock">The clock <c>webhook-timestamp</c> is checked against (the sender's, in tests with a fake one).</param>
    public static async Task<WebhookReceiver> StartAsync(string secret, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        WebhookReceiver? receiver = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
        {
            Interlocked.Increment(ref receiver!._connections);
            return next(connection);
        })));
        var app = builder.Build();
        receiver = new WebhookReceiver(app, secret, clock ?? TimeProvider.System);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUri = new Uri(app.Urls.First());
        return receiver;
    }

    public Uri Url(string path) => new(BaseUri, path);

    /// <summary>Answers <paramref name="status"/> with <paramref name="body"/>, and a Retry-After header when given.</summary>
    public void Answer(string path, int status, string? body = null, string? retryAfter = null) =>
        _routes[path] = new Route { Status = status, Body = body, RetryAfter = retryAfter };

    /// <summary>Answers <paramref name="status"/> to the first <paramref name="times"/> requests, 200 afterwards.</summary>
    public void FailFirst(string path, int times, int status) => _routes[path] = new Route { Status = status, FailuresLeft = times };

    public void Redirect(string path, string location, int status = StatusCodes.Status302Found) =>
        _routes[path] = new Route { Status = status, Location = location };

    /// <summary>Accepts the request and never answers, until the client gives up or the receiver is disposed.</summary>
    public void Hang(string path) => _routes[path] = new Route { Hang = true };

    /// <summary>
    /// Answers <paramref name="status"/> and streams a body of <paramref name="bytes"/> bytes without announcing its
    /// length; without <paramref name="bytes"/>, an endless one, which only a client that stops reading gets past.
    /// </summary>
    public void Huge(string path, int status = StatusCodes.Status500InternalServerError, long bytes = long.MaxValue)
    {
        _hugeWritten[path] = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _routes[path] = new Route { Status = status, HugeBytes = bytes };
    }

    /// <summary>
    /// Completes when the huge body's writer stops: the client went away (or, for a finite body, all was written).
    /// The count includes writes Kestrel accepted after the client had gone, so it is no measure of what was read.
    /// </summary>
    public Task<long> HugeBodyWritten(string path) => _hugeWritten[path].Task;

    /// <summary>Completes once <paramref name="count"/> requests have arrived; throws when they have not within <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource reached;
        lock (_lock)
        {
            if (_received.Count >= count)
            {
                return;
            }

            reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
        }

        try
        {
            await reached.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"expected {count} webhook requests within {timeout}, got {Received.Count}");
        }
    }

    /// <summary>The requests of one delivery (same <c>webhook-id</c>), in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> ForId(string webhookId) => Received.Where(r => r.Id == webhookId).ToList();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var id = request.Headers[WebhookSignature.IdHeader].ToString();
        var timestamp = request.Headers[WebhookSignature.TimestampHeader].ToString();
        var signature = request.Headers[WebhookSignature.SignatureHeader].ToString();
        var failure = WebhookSignature.Verify(_secret, id, timestamp, signature, body, _clock.GetUtcNow());
        var path = request.Path.Value ?? "/";
        Record(new ReceivedWebhook(
            path,
            NullIfEmpty(id),
            NullIfEmpty(timestamp),
            NullIfEmpty(signature),
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body,
            failure,
            context.Connection.RemoteIpAddress));

        if (failure is not null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync($"signature rejected: {failure}");
            return;
        }

        if (!_routes.TryGetValue(path, out var route))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        if (route.Hang)
        {
            using var hang = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            await Task.Delay(Timeout.Infinite, hang.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (route.FailuresLeft is not null)
        {
            var failing = false;
            lock (_lock)
            {
                if (route.FailuresLeft > 0)
                {
                    route.FailuresLeft--;
                    failing = true;
                }
            }

            context.Response.StatusCode = failing ? route.Status : StatusCodes.Status200OK;
            return;
        }

        context.Response.StatusCode = route.Status;
        if (route.Location is not null)
        {
            context.Response.Headers[HeaderNames.Location] = route.Location;
        }

        if (route.RetryAfter is not null)
        {
            context.Response.Headers[HeaderNames.RetryAfter] = route.RetryAfter;
        }

        if (route.HugeBytes is { } huge)
        {
            await WriteHugeAsync(context, path, huge);
            return;
        }

        if (route.Body is not null)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(route.Body);
        }
    }

    private async Task WriteHugeAsync(HttpContext context, string path, long bytes)
    {
        context.Response.ContentType = "text/plain";
        var chunk = new byte[64 * 1024];
        chunk.AsSpan().Fill((byte)'x');
        long sent = 0;
        try
        {
            while (sent < bytes && !context.RequestAborted.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                var length = (int)Math.Min(chunk.Length, bytes - sent);
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, length), context.RequestAborted);
                sent += length;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client stopped reading and went away, as it should.
        }
        finally
        {
            _hugeWritten[path].TrySetResult(sent);
        }
    }

    private void Record(ReceivedWebhook received)
    {
        lock (_lock)
        {
            _received.Add(received);
            foreach (var waiter in _waiters.Where(w => _received.Count >= w.Count).ToList())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private sealed class Route
    {
        public int Status { get; init; } = StatusCodes.Status200OK;
        public string? Body { get; init; }
        public string? RetryAfter { get; init; }
        public string? Location { get; init; }
        public bool Hang { get; init; }
        public long? HugeBytes { get; init; }
        public int? FailuresLeft { get; set; }
    }

    /// <summary>An HTTP-date for Retry-After.</summary>
    public static string HttpDate(DateTimeOffset value) => value.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture);
}
