using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;
using PaperFeed.Worker.Sources.Feed;

namespace PaperFeed.IntegrationTests.Sources;

/// <summary>
/// Response bodies that are too large, never end or stop half way, read over loopback through the sources' own HTTP
/// client (the one the worker builds: retries, host gates, per-attempt timeout) and <see cref="HttpSourceContext"/>:
/// each fails the poll with a clear error in bounded time, having read no more than the configured limit.
/// </summary>
public sealed class HostileBodyTests : WorkerTestBase
{
    private const long Limit = 20 * 1024 * 1024; // PaperFeed:Http:MaxResponseBytes, the default
    private const long FiftyMegabytes = 50L * 1024 * 1024;

    // The read that crosses the limit is the last: HttpSourceContext reads in chunks of 80 KiB.
    private const long MostRead = Limit + 81920;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    // Generous against a slow shared machine, yet far below PollTimeout (5 min), which is what would end a read
    // that nothing else bounds.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    [Fact]
    public async Task FiftyMegabytesWithoutALengthFailAtTheLimitHavingReadNoMore()
    {
        Server.Huge("/fifty", FiftyMegabytes);
        var watch = Stopwatch.StartNew();

        var read = new BodyBytes();
        var ex = await Assert.ThrowsAsync<SourceException>(() => FetchAsync("/fifty", read));

        Assert.Equal($"GET {Server.Url("/fifty")}: response exceeds the limit of {Limit.ToString("N0", CultureInfo.InvariantCulture)} bytes (PaperFeed:Http:MaxResponseBytes)", ex.Message);
        Assert.InRange(read.Count, Limit + 1, MostRead);
        Assert.True(watch.Elapsed < Bound, $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task FiftyMegabytesAnnouncedByContentLengthAreRefusedBeforeReading()
    {
        Server.Huge("/declared", FiftyMegabytes, declareLength: true);

        var read = new BodyBytes();
        var ex = await Assert.ThrowsAsync<SourceException>(() => FetchAsync("/declared", read));

        Assert.Equal(
            $"GET {Server.Url("/declared")}: response of {FiftyMegabytes.ToString("N0", CultureInfo.InvariantCulture)} bytes exceeds the limit of {Limit.ToString("N0", CultureInfo.InvariantCulture)} bytes (PaperFeed:Http:MaxResponseBytes)",
            ex.Message);
        Assert.Equal(0, read.Count);
    }

    [Fact]
    public async Task AnEndlessChunkedBodyFailsAtTheLimitAndTheConnectionIsDropped()
    {
        Server.Huge("/endless", long.MaxValue);
        var watch = Stopwatch.StartNew();

        var read = new BodyBytes();
        var ex = await Assert.ThrowsAsync<SourceException>(() => FetchAsync("/endless", read));

        Assert.EndsWith("response exceeds the limit of 20,971,520 bytes (PaperFeed:Http:MaxResponseBytes)", ex.Message, StringComparison.Ordinal);
        Assert.InRange(read.Count, Limit + 1, MostRead);

        // The server stops only when the client hangs up: this completing is the proof that nothing reads on.
        await Server.HugeBodyWritten("/endless").WaitAsync(Bound, Ct);
        Assert.True(watch.Elapsed < Bound, $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task ABodyThatStallsAfterTheHeadersTimesOut()
    {
        Server.Stall("/stall", Encoding.UTF8.GetBytes("<rss version=\"2.0\"><channel><item><title>Half a"));
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SourceException>(() => FetchAsync("/stall").WaitAsync(Bound, Ct));

        Assert.Equal($"GET {Server.Url("/stall")} timed out while reading the body after 1 s", ex.Message);
        Assert.True(watch.Elapsed >= RequestTimeout, $"gave up after {watch.Elapsed}, before the timeout");
        Assert.True(watch.Elapsed < RequestTimeout * 10, $"took {watch.Elapsed} for a timeout of {RequestTimeout}");
    }

    [Fact]
    public async Task AStalledBodyFailsTheWorkersPollWithTheTimeoutNotThePollTimeout()
    {
        Server.Stall("/stalled-feed", Encoding.UTF8.GetBytes("<rss version=\"2.0\"><channel>"));
        await using var worker = await StartWorkerAsync("/stalled-feed");

        var failed = await worker.PollAsync("stalled-feed").WaitAsync(Bound, Ct);

        Assert.Equal($"GET {Server.Url("/stalled-feed")} timed out while reading the body after 1 s", failed.LastError);
        Assert.Equal(1, failed.ConsecutiveErrors);
    }

    /// <summary>
    /// One fetch of a <c>feed</c> source at <paramref name="path"/>, as the worker's poller makes it; with
    /// <paramref name="read"/>, the bytes of response bodies the client read are counted.
    /// </summary>
    private async Task<FetchResult> FetchAsync(string path, BodyBytes? read = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaperFeed:Http:Timeout"] = RequestTimeout.ToString(),
            ["PaperFeed:Http:Retries"] = "1",
            ["PaperFeed:Http:RetryDelay"] = "00:00:00.050",
        }).Build();
        var collection = new ServiceCollection().AddLogging().AddPaperFeedSources(configuration);
        if (read is not null)
        {
            // Innermost of the client's handlers: it sees the body as the connection delivers it.
            collection.AddHttpClient(SourcesSetup.HttpClientName).AddHttpMessageHandler(() => new CountingHandler(read));
        }

        await using var services = collection.BuildServiceProvider();
        var options = configuration.GetSection($"{PaperFeedOptions.Section}:Http").Get<SourceHttpOptions>()!;
        Assert.Equal(Limit, options.MaxResponseBytes);
        var context = new HttpSourceContext(
            new SourceDefinition { Name = "hostile", Type = "feed", Url = Server.Url(path), Schedule = "1h" },
            new Dictionary<string, HttpValidators>(),
            services.GetRequiredService<IHttpClientFactory>().CreateClient(SourcesSetup.HttpClientName),
            options,
            NullLogger.Instance);
        return await new FeedSource().FetchAsync(context, null, Ct);
    }

    /// <summary>Bytes of response bodies read through <see cref="CountingHandler"/>.</summary>
    private sealed class BodyBytes
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Add(int n) => Interlocked.Add(ref _count, n);
    }

    /// <summary>Puts a counting stream between the connection and whoever reads the response body.</summary>
    private sealed class CountingHandler(BodyBytes bytes) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var counted = new StreamContent(new CountingStream(await response.Content.ReadAsStreamAsync(cancellationToken), bytes));
            foreach (var header in response.Content.Headers)
            {
                counted.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = counted;
            return response;
        }
    }

    private sealed class CountingStream(Stream inner, BodyBytes bytes) : Worker.Sources.ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Counted(int n)
        {
            bytes.Add(n);
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
