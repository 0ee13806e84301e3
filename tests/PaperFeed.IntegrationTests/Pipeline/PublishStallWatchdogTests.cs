using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Messaging;
using static PaperFeed.IntegrationTests.Infrastructure.TestFeeds;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>
/// A worker whose publishing is stuck while the broker takes publishes restarts its bus on a new connection and
/// publishes again; one whose broker takes no publishes from anyone (cut off by the network) restarts nothing.
/// The stuck publishing itself follows a broker restart only rarely (ChaosTests' mid-publish broker restart), so
/// here the bus's probe is told to fail; the broker, its connections and the worker are real.
/// </summary>
public sealed class PublishStallWatchdogTests(RabbitMqFixture broker) : WorkerTestBase
{
    private const string StuckLine = "Publishing through the bus is stuck";
    private const string RestartingLine = "restarting the bus";
    private const string RestartedLine = "Bus restarted";

    private readonly LogCapture _log = new();
    private readonly StallingProbe.Switch _stall = new();
    private PartitionProxy? _proxy;
    private string _vhost = "";

    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        _proxy = PartitionProxy.Start(broker.AmqpUri!);
        _vhost = await broker.CreateVirtualHostAsync("publish-stall");
        return new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = _proxy.Route(_vhost),
            ["PaperFeed:Broker:PublishStallLimit"] = "00:00:01",
            ["Logging:LogLevel:PaperFeed.Worker.Messaging"] = "Information",
        };
    }

    public override async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    [Fact]
    public async Task ABusWhosePublishingIsStuckIsRestartedOnANewConnectionAndPublishesAgain()
    {
        Server.Serve("/listing", Rss(new Item("oai:arXiv.org:2405.00001v1", "Sparse attention at scale", "https://arxiv.org/abs/2405.00001")));
        await using var worker = await StartAsync("/listing");
        var before = await Eventually.ValueAsync(BusConnectionsAsync, c => c.Count > 0, "the broker to list the worker's connection");

        _stall.On = true;
        await Eventually.ValueAsync(() => Task.FromResult(Lines(RestartingLine)), l => l.Count > 0, "the watchdog to restart the bus");
        _stall.On = false;
        await Eventually.ValueAsync(() => Task.FromResult(Lines(RestartedLine)), l => l.Count > 0, "the bus to start again");

        // A new connection replaced the old one, and the restarted bus publishes and consumes: a poll is stored and announced.
        var after = await Eventually.ValueAsync(BusConnectionsAsync, c => c.Count > 0 && !c.Overlaps(before), "the broker to list only the new connection");
        Assert.DoesNotContain(after, before.Contains);
        var poll = await worker.PollAsync("listing");
        Assert.Equal(1, poll.LastPaperCount);
        await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2405.00001", "the paper polled after the restart");
        Assert.Equal(HttpStatusCode.OK, (await worker.Api.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Single(Lines(RestartingLine));
        Assert.Contains("the broker confirmed a publish on a new connection", Lines(RestartingLine)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABrokerCutOffByTheNetworkIsLeftToReconnectingNotRestarted()
    {
        await using var worker = await StartAsync();
        await Eventually.ValueAsync(BusConnectionsAsync, c => c.Count > 0, "the worker's connection");
        var accepted = _proxy!.Accepted;

        // The bus's probe fails for real now, and so does the watchdog's probe on a new connection: each of those
        // connections reaches the proxy, the partition stalls it, and the bus is left alone.
        _proxy.Partition();
        await Eventually.ValueAsync(() => Task.FromResult(_proxy.Accepted), a => a >= accepted + 2, "two probes on new connections");
        _proxy.Heal();

        await Eventually.ValueAsync(
            async () => (await worker.Api.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode,
            s => s == HttpStatusCode.OK,
            "/health/ready to recover");
        Assert.Empty(Lines(StuckLine));
        Assert.Empty(Lines(RestartingLine));
        Assert.Contains(Lines("the broker is not taking publishes"), l => l.Contains("did not confirm a probe message", StringComparison.Ordinal));
    }

    private Task<WorkerHost> StartAsync(params string[] sourcePaths) =>
        StartWorkerAsync(
            new Dictionary<string, string?>(),
            services =>
            {
                services.AddSingleton<ILoggerProvider>(_log);
                services.AddSingleton(_stall);
                services.Replace(ServiceDescriptor.Singleton<IBrokerPublishProbe>(sp => new StallingProbe(
                    ActivatorUtilities.CreateInstance<BrokerPublishProbe>(sp, new Uri(_proxy!.Route(_vhost))), _stall)));
            },
            sourcePaths);

    private IReadOnlyList<string> Lines(string containing) =>
        [.. _log.Lines.Where(l => l.Category == typeof(PublishStallWatchdog).FullName && l.Message.Contains(containing, StringComparison.Ordinal)).Select(l => l.Message)];

    /// <summary>The broker's names (client and server address) of MassTransit's connections, the probe's left out.</summary>
    private async Task<HashSet<string>> BusConnectionsAsync() =>
        [.. (await broker.ConnectionsAsync(_vhost))
            .Where(c => !(c.GetProperty("client_properties").TryGetProperty("connection_name", out var name)
                && (name.GetString() ?? "").StartsWith("paperfeed-broker-probe", StringComparison.Ordinal)))
            .Select(c => c.GetProperty("name").GetString()!)];

    /// <summary>The real probe, except that publishing through the bus fails while the switch is on.</summary>
    private sealed class StallingProbe(IBrokerPublishProbe real, StallingProbe.Switch stall) : IBrokerPublishProbe
    {
        public Task<ProbeOutcome> ThroughBusAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
            stall.On
                ? Task.FromResult(ProbeOutcome.Failed(timeout, $"the broker did not confirm a probe message within {timeout.TotalSeconds:0} s"))
                : real.ThroughBusAsync(timeout, cancellationToken);

        public Task<ProbeOutcome> OnNewConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
            real.OnNewConnectionAsync(timeout, cancellationToken);

        public sealed class Switch
        {
            private volatile bool _on;

            public bool On
            {
                get => _on;
                set => _on = value;
            }
        }
    }
}
