using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP server on loopback that replays recorded payloads, answers conditional GETs with 304 where
/// the ETag or Last-Modified match, and misbehaves on request (status codes, hangs, oversized bodies).
/// </summary>
public sealed class FeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _notModified = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentQueue<(DateTimeOffset At, string Path)> _starts = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _hugeWritten = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _maxInFlight;

    private FeedServer(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    public static async Task<FeedServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FeedServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUri = new Uri(app.Urls.First());
        return server;
    }

    public Uri Url(string path) => new(BaseUri, path);

    public void Serve(string path, byte[] body, string contentType = "application/rss+xml; charset=utf-8", string? etag = null, DateTimeOffset? lastModified = null, TimeSpan? delay = null) =>
        _routes[path] = new Route { Body = body, ContentType = contentType, ETag = etag, LastModified = lastModified, Delay = delay };

    public void Fail(string path, int status, TimeSpan? retryAfter = null) => _routes[path] = new Route { Status = status, RetryAfter = retryAfter };

    /// <summary>Answers with an error status and a body that explains it (as arXiv's API does for a bad query).</summary>
    public void Fail(string path, int status, byte[] body, string contentType) =>
        _routes[path] = new Route { Status = status, Body = body, ContentType = contentType };

    /// <summary>Accepts the request and never answers until the client gives up.</summary>
    public void Hang(string path) => _routes[path] = new Route { Hang = true };

    /// <summary>
    /// Streams a body of <paramref name="bytes"/> bytes (<see cref="long.MaxValue"/>: one that never ends), chunked,
    /// or with its length in Content-Length when <paramref name="declareLength"/>.
    /// </summary>
    public void Huge(string path, long bytes, bool declareLength = false)
    {
        _hugeWritten[path] = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _routes[path] = new Route { HugeBytes = bytes, DeclareLength = declareLength };
    }

    /// <summary>How many bytes of a <see cref="Huge"/> body were written when the server stopped: the client hung up or it was all sent.</summary>
    public Task<long> HugeBodyWritten(string path) => _hugeWritten[path].Task;

    /// <summary>Sends the headers and <paramref name="head"/>, then nothing more until the client gives up.</summary>
    public void Stall(string path, byte[] head, string contentType = "application/rss+xml; charset=utf-8") =>
        _routes[path] = new Route { Body = head, ContentType = contentType, Stall = true };

    public int Requests(string path) => _requests.GetValueOrDefault(path);

    public int NotModifiedAnswers(string path) => _notModified.GetValueOrDefault(path);

    /// <summary>Every request's path and query, in arrival order.</summary>
    public IReadOnlyList<string> RequestLog => _log.ToArray();

    /// <summary>When each request arrived, by the server's clock.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Path)> RequestStarts => _starts.ToArray();

    /// <summary>The most requests the server was answering at one moment.</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    private async Task HandleAsync(HttpContext context)
    {
        var now = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); now > max; max = Volatile.Read(ref _maxInFlight))
        {
            Interlocked.CompareExchange(ref _maxInFlight, now, max);
        }

        try
        {
            await AnswerAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        // A route may name a query too ("/api/daily_papers?date=2024-10-25"); it wins over the bare path.
        var bare = context.Request.Path.Value ?? "/";
        var full = bare + context.Request.QueryString.Value;
        _log.Enqueue(full);
        _starts.Enqueue((DateTimeOffset.UtcNow, full));
        var path = _routes.ContainsKey(full) ? full : bare;
        _requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (!_routes.TryGetValue(path, out var route))
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (route.Hang)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (route.Delay is { } delay)
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        if (route.Status is { } status)
        {
            context.Response.StatusCode = status;
            if (route.RetryAfter is { } retryAfter)
            {
                context.Response.Headers[HeaderNames.RetryAfter] = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (route.Body.Length > 0)
            {
                context.Response.ContentType = route.ContentType;
                await context.Response.Body.WriteAsync(route.Body);
            }
            else
            {
                await context.Response.WriteAsync($"error {status}");
            }
            return;
        }

        if (route.HugeBytes is { } huge)
        {
            context.Response.ContentType = "application/rss+xml";
            if (route.DeclareLength)
            {
                context.Response.ContentLength = huge;
            }

            var chunk = new byte[64 * 1024];
            chunk.AsSpan().Fill((byte)' ');
            long sent = 0;
            try
            {
                // Counted as the transport takes it: once the client has hung up, writes complete without
                // sending anything, and RequestAborted may lag behind.
                while (sent < huge)
                {
                    var n = (int)Math.Min(chunk.Length, huge - sent);
                    var flushed = await context.Response.BodyWriter.WriteAsync(chunk.AsMemory(0, n), context.RequestAborted);
                    if (flushed.IsCompleted || flushed.IsCanceled || context.RequestAborted.IsCancellationRequested)
                    {
                        break;
                    }

                    sent += n;
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The client hung up.
            }
            finally
            {
                _hugeWritten[path].TrySetResult(sent);
            }

            return;
        }

        if (route.Stall)
        {
            context.Response.ContentType = route.ContentType;
            await context.Response.Body.WriteAsync(route.Body);
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        var headers = context.Request.GetTypedHeaders();
        var etagMatches = route.ETag is not null && headers.IfNoneMatch.Any(t => t.Tag.ToString() == route.ETag);
        var notModifiedSince = route.ETag is null && route.LastModified is { } lm && headers.IfModifiedSince is { } ims && lm <= ims;
        if (etagMatches || notModifiedSince)
        {
            _notModified.AddOrUpdate(path, 1, (_, n) => n + 1);
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        if (route.ETag is not null)
        {
            context.Response.Headers[HeaderNames.ETag] = route.ETag;
        }

        if (route.LastModified is { } modified)
        {
            context.Response.Headers[HeaderNames.LastModified] = modified.ToString("R");
        }

        context.Response.ContentType = route.ContentType;
        await context.Response.Body.WriteAsync(route.Body);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed record Route
    {
        public byte[] Body { get; init; } = [];
        public string ContentType { get; init; } = "application/octet-stream";
        public string? ETag { get; init; }
        public DateTimeOffset? LastModified { get; init; }
        public int? Status { get; init; }
        public bool Hang { get; init; }
        public long? HugeBytes { get; init; }
        public bool DeclareLength { get; init; }
        public bool Stall { get; init; }
        public TimeSpan? Delay { get; init; }
        public TimeSpan? RetryAfter { get; init; }
    }
}
