using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using PaperFeed.Worker.Hosting;

namespace PaperFeed.Worker.Messaging;

/// <summary>
/// Restarts the bus in place when publishing through it is stuck although nothing else is wrong: its endpoints are
/// connected and the broker confirms a publish on a new connection, yet a probe published through the bus gets no
/// confirmation, for <see cref="BrokerOptions.PublishStallLimit"/> on end.
/// </summary>
/// <remarks>
/// That state follows, rarely, a broker that stops while the worker publishes and consumes: RabbitMQ.Client 7.2 tells
/// a closing connection's channels one after another, one of them waits for its consumers' messages in flight, and
/// MassTransit 8.5 disposes the connection meanwhile, so the channels not yet told never learn that they closed.
/// MassTransit keeps publishing (and consuming) on them, and nothing they send is answered (README, Guarantees).
/// Stopping the bus disposes those channels with everything else, once their requests have timed out
/// (<see cref="RabbitMqTimeouts.Continuation"/>), and starting it again connects anew; MassTransit 8 supports
/// restarting a stopped bus. Consumers finish their messages first, as at shutdown; anything unacknowledged is
/// redelivered and deduplicated, and a poll whose publish the restart cut off fails without saving its checkpoint
/// and is polled again. A broker that takes no publishes from anyone (stopped, blocked by a resource alarm, cut off
/// by the network) fails the new connection's probe too and is left to MassTransit's reconnecting: a restart would
/// not help.
/// </remarks>
public sealed class PublishStallWatchdog(
    IBusControl bus,
    IBrokerPublishProbe probe,
    IOptions<PaperFeedOptions> options,
    PaperFeedMetrics metrics,
    ILogger<PublishStallWatchdog> log,
    TimeProvider time) : BackgroundService
{
    /// <summary>How often publishing is probed.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>How long each probe waits for the broker's confirmation (as readiness's, <see cref="BrokerPublishCheck.Timeout"/>).</summary>
    public static readonly TimeSpan ProbeTimeout = BrokerPublishCheck.Timeout;

    /// <summary>The longest wait between restarts that did not help: each doubles the next wait, up to this.</summary>
    public static readonly TimeSpan MaxLimit = TimeSpan.FromMinutes(15);

    // A stop cut short leaves MassTransit's host half stopped and the start that follows does nothing, so the stop
    // is given time to end: each channel on a dead connection costs a few request timeouts.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var configured = options.Value.Broker.PublishStallLimit;
        if (configured <= TimeSpan.Zero)
        {
            return;
        }

        var stall = new PublishStall(configured);
        using var timer = new PeriodicTimer(Interval, time);
        var stopped = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (stopped)
            {
                stopped = !await StartBusAsync(stoppingToken);
                continue;
            }

            var (state, detail) = await AssessAsync(stoppingToken);
            var previous = stall.State;
            var now = time.GetUtcNow();
            var restart = stall.Observe(state, now);
            if (state != previous)
            {
                switch (state)
                {
                    case Publishing.Works when previous != Publishing.Reconnecting:
                        log.LogInformation("Publishing through the bus works again");
                        break;
                    case Publishing.BrokerNotTaking:
                        log.LogInformation("Publishing is not getting through, on the bus nor on a new connection: the broker is not taking publishes ({Detail}); left to MassTransit's reconnecting", detail);
                        break;
                    case Publishing.Stuck:
                        log.LogWarning("Publishing through the bus is stuck ({Detail}); the bus is restarted if this lasts {Limit}", detail, stall.Limit);
                        break;
                }
            }

            if (restart)
            {
                log.LogWarning("Publishing through the bus has been stuck for {Stuck:0} s ({Detail}); restarting the bus", stall.StuckFor(now).TotalSeconds, detail);
                stall.Restarting();
                await StopBusAsync(stoppingToken);
                stopped = !await StartBusAsync(stoppingToken);
            }
        }
    }

    private async Task<(Publishing State, string? Detail)> AssessAsync(CancellationToken cancellationToken)
    {
        if (bus.CheckHealth().Status != BusHealthStatus.Healthy)
        {
            return (Publishing.Reconnecting, null);
        }

        var throughBus = await probe.ThroughBusAsync(ProbeTimeout, cancellationToken);
        if (throughBus.Confirmed)
        {
            return (Publishing.Works, null);
        }

        var direct = await probe.OnNewConnectionAsync(ProbeTimeout, cancellationToken);
        return direct.Confirmed
            ? (Publishing.Stuck, $"{throughBus.Failure}, while the endpoints are connected and the broker confirmed a publish on a new connection in {direct.Took.TotalMilliseconds:0} ms")
            : (Publishing.BrokerNotTaking, $"through the bus: {throughBus.Failure}; on a new connection: {direct.Failure}");
    }

    private async Task StopBusAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        stop.CancelAfter(StopTimeout);
        try
        {
            await bus.StopAsync(stop.Token);
            log.LogInformation("Bus stopped for its restart in {Took:0.0} s", Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // Starting it anyway does no harm: MassTransit ignores a start of a host it still considers started.
            log.LogError(e, "Stopping the bus for its restart failed after {Took:0.0} s; if publishing stays stuck, restart this worker", Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>Starts the bus; false when that failed, to be tried again at the next tick.</summary>
    private async Task<bool> StartBusAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var start = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        start.CancelAfter(StartTimeout);
        try
        {
            await bus.StartAsync(start.Token);
            metrics.BusRestarted();
            log.LogWarning("Bus restarted: started again in {Took:0.0} s", Stopwatch.GetElapsedTime(started).TotalSeconds);
            return true;
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            log.LogError(e, "Starting the bus again failed after {Took:0.0} s; trying again in {Interval:0} s", Stopwatch.GetElapsedTime(started).TotalSeconds, Interval.TotalSeconds);
            return false;
        }
    }
}

/// <summary>What the watchdog found at one look at publishing.</summary>
public enum Publishing
{
    /// <summary>The broker confirmed a probe published through the bus.</summary>
    Works,

    /// <summary>MassTransit's endpoints are not (yet) connected: it is reconnecting, and publishing waits for it.</summary>
    Reconnecting,

    /// <summary>The broker confirms no publish, through the bus nor on a new connection.</summary>
    BrokerNotTaking,

    /// <summary>The broker confirms a publish on a new connection, but not through the bus, whose endpoints are connected.</summary>
    Stuck,
}

/// <summary>
/// The watchdog's memory: since when publishing has been stuck, and after how long a restart is due. A restart after
/// which publishing gets stuck again without having worked doubles the wait for the next, up to
/// <see cref="PublishStallWatchdog.MaxLimit"/>: a bus that restarts do not repair is not restarted every few seconds.
/// </summary>
public sealed class PublishStall(TimeSpan configured)
{
    private DateTimeOffset? _since;
    private int _fruitless;

    /// <summary>The state of the last look.</summary>
    public Publishing State { get; private set; } = Publishing.Works;

    /// <summary>How long publishing must stay stuck before the next restart: doubled for each restart that did not help.</summary>
    public TimeSpan Limit => TimeSpan.FromTicks(Math.Min(
        configured.Ticks << Math.Min(_fruitless, 10),
        Math.Max(PublishStallWatchdog.MaxLimit.Ticks, configured.Ticks)));

    /// <summary>Records one look; true when the bus is to be restarted now.</summary>
    public bool Observe(Publishing state, DateTimeOffset now)
    {
        State = state;
        if (state != Publishing.Stuck)
        {
            _since = null;
            if (state == Publishing.Works)
            {
                _fruitless = 0;
            }

            return false;
        }

        _since ??= now;
        return now - _since.Value >= Limit;
    }

    public TimeSpan StuckFor(DateTimeOffset now) => _since is { } since ? now - since : TimeSpan.Zero;

    /// <summary>The bus is being restarted: the stall starts over, and the next one waits twice as long unless publishing works in between.</summary>
    public void Restarting()
    {
        _since = null;
        State = Publishing.Works;
        _fruitless++;
    }
}
