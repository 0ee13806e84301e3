using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaperFeed.Contracts;
using PaperFeed.Worker.Api;
using PaperFeed.Worker.Hosting;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// A whole PaperFeed worker in the test process: real Kestrel on loopback, the configured transport and a real
/// SQLite file, plus a consumer that records every announcement so tests can count them.
/// </summary>
public sealed class WorkerHost : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly WebApplication _app;

    private WorkerHost(WebApplication app, HttpClient api)
    {
        _app = app;
        Api = api;
    }

    public HttpClient Api { get; }
    public IServiceProvider Services => _app.Services;
    public AnnouncementLog Announcements => Services.GetRequiredService<AnnouncementLog>();

    /// <summary>Starts a worker with exactly this configuration (appsettings.json is not read).</summary>
    /// <param name="services">Changes to the worker's services (tests add source types with it).</param>
    public static async Task<WorkerHost> StartAsync(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var builder = PaperFeedApp.CreateBuilder(
            [],
            configuration =>
            {
                configuration.Sources.Clear();
                configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Urls"] = "http://127.0.0.1:0",
                    ["Logging:LogLevel:Default"] = "Warning",
                    ["PaperFeed:Ingest:BatchTimeLimit"] = "00:00:00.050",
                });
                configuration.AddInMemoryCollection(settings);
            },
            bus => bus.AddConsumer<AnnouncementRecorder, AnnouncementRecorderDefinition>());
        builder.Services.AddSingleton<AnnouncementLog>();
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        var app = builder.BuildPaperFeed();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var api = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        return new WorkerHost(app, api);
    }

    public Task<T?> GetAsync<T>(string path) => Api.GetFromJsonAsync<T>(path, Json, TestContext.Current.CancellationToken);

    public async Task<IReadOnlyList<SourceResponseItem>> SourcesAsync() =>
        await GetAsync<List<SourceResponseItem>>("/api/sources") ?? [];

    public async Task<SourceResponseItem> SourceAsync(string name) =>
        (await SourcesAsync()).Single(s => s.Name == name);

    /// <summary>Polls a source through the API and waits until its state shows a new success or error.</summary>
    public async Task<SourceResponseItem> PollAsync(string name)
    {
        var before = await SourceAsync(name);
        using var response = await Api.PostAsync($"/api/sources/{name}/poll", null, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return await Eventually.ValueAsync(
            () => SourceAsync(name),
            s => s.LastSuccessAt != before.LastSuccessAt || s.LastErrorAt != before.LastErrorAt,
            $"a poll of {name} to finish");
    }

    /// <summary>
    /// Waits until everything published before the call has been ingested and its announcements recorded. The
    /// ingest endpoint runs one batch at a time, so once a first marker is announced its batch is publishing;
    /// a second marker lands in a later batch, which starts only after that one's announcements were all
    /// published; and the recorder handles its queue in order, one message at a time.
    /// </summary>
    public async Task DrainAsync()
    {
        await PublishMarkerAsync();
        await PublishMarkerAsync();
    }

    private async Task PublishMarkerAsync()
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        await Services.GetRequiredService<IBus>().Publish(
            new PaperDiscovered("drain", new DiscoveredPaper { ExternalId = marker, Title = marker }, DateTimeOffset.UtcNow),
            TestContext.Current.CancellationToken);
        await Announcements.WaitForAsync(a => a.Paper.Title == marker, $"the drain marker {marker}");
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>An announcement as the test consumer saw it.</summary>
public sealed record Announcement(string Kind, string PaperId, PaperSummary Paper);

public sealed class AnnouncementLog
{
    private readonly ConcurrentQueue<Announcement> _seen = new();
    private readonly SemaphoreSlim _changed = new(0);

    public IReadOnlyList<Announcement> All => _seen.ToArray();

    public void Add(Announcement announcement)
    {
        _seen.Enqueue(announcement);
        _changed.Release();
    }

    public int Count(string paperId) => _seen.Count(a => a.PaperId == paperId);

    public async Task<Announcement> WaitForAsync(Func<Announcement, bool> match, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Eventually.Timeout);
        while (true)
        {
            var found = _seen.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            try
            {
                await _changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no announcement of {what} within {Eventually.Timeout}; saw {_seen.Count}: {string.Join(", ", _seen.Select(a => a.PaperId))}");
            }
        }
    }
}

public sealed class AnnouncementRecorder(AnnouncementLog log) : IConsumer<PaperAdded>, IConsumer<PaperRevised>
{
    public Task Consume(ConsumeContext<PaperAdded> context)
    {
        log.Add(new Announcement("added", context.Message.PaperId, context.Message.Paper));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<PaperRevised> context)
    {
        log.Add(new Announcement("revised", context.Message.PaperId, context.Message.Paper));
        return Task.CompletedTask;
    }
}

/// <summary>
/// Records announcements one at a time, in queue order (what <see cref="WorkerHost.DrainAsync"/> relies on), on a
/// queue of its own per worker host: with several hosts on one broker, each sees every announcement.
/// </summary>
public sealed class AnnouncementRecorderDefinition : ConsumerDefinition<AnnouncementRecorder>
{
    public AnnouncementRecorderDefinition()
    {
        ConcurrentMessageLimit = 1;
        Endpoint(e =>
        {
            e.InstanceId = Guid.NewGuid().ToString("N")[..8];
            e.Temporary = true;
        });
    }
}

/// <summary>Awaits a condition on observable state, re-checking it until it holds or the time is up.</summary>
public static class Eventually
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        T value;
        while (!condition(value = await read()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {Timeout} waiting for {what}; last value: {JsonSerializer.Serialize(value, WorkerHost.Json)}");
            }

            // Back off between reads of state that has no change notification (HTTP API, files).
            await Task.Delay(delay, TestContext.Current.CancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
        }

        return value;
    }
}
