using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;

namespace PaperFeed.Worker.Hosting;

/// <summary>
/// PaperFeed's own instruments (meter <c>PaperFeed</c>), exported in Prometheus format at <c>/metrics</c>:
/// <c>paperfeed_papers_discovered_total{source}</c>, <c>paperfeed_papers_added_total{source}</c>,
/// <c>paperfeed_papers_revised_total{source}</c>, <c>paperfeed_polls_total{source,status}</c>,
/// <c>paperfeed_poll_duration_seconds{source}</c>, <c>paperfeed_delivery_attempts_total{channel,state}</c> and
/// <c>paperfeed_deliveries_due</c> (the retry backlog the last retry job run found),
/// <c>paperfeed_deliveries{state}</c> (deliveries by state, counted by the retry job) and
/// <c>paperfeed_consumer_lag_seconds{message}</c> (from sending a message to the start of its consumption),
/// <c>paperfeed_deliveries_deferred_total{channel,reason}</c> (put off by an endpoint's bulkhead) and
/// <c>paperfeed_bus_restarts_total</c> (restarts of a bus whose publishing was stuck, see PublishStallWatchdog).
/// </summary>
public sealed class PaperFeedMetrics : IDisposable
{
    public const string MeterName = "PaperFeed";

    private readonly Meter _meter;
    private readonly Counter<long> _discovered;
    private readonly Counter<long> _added;
    private readonly Counter<long> _revised;
    private readonly Counter<long> _polls;
    private readonly Histogram<double> _pollDuration;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _deferred;
    private readonly Counter<long> _busRestarts;
    private long _due;
    private IReadOnlyDictionary<string, long> _deliveries = new Dictionary<string, long>();

    public PaperFeedMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _discovered = _meter.CreateCounter<long>("paperfeed.papers.discovered", description: "Papers published by polls, per source");
        _added = _meter.CreateCounter<long>("paperfeed.papers.added", description: "Papers stored for the first time, per source of the first sighting");
        _revised = _meter.CreateCounter<long>("paperfeed.papers.revised", description: "Stored papers that got a new version, per source of the sighting");
        _polls = _meter.CreateCounter<long>("paperfeed.polls", description: "Polls per source by outcome");
        _pollDuration = _meter.CreateHistogram<double>("paperfeed.poll.duration", unit: "s", description: "Duration of a poll");
        _attempts = _meter.CreateCounter<long>("paperfeed.delivery.attempts", description: "Delivery attempts by channel and resulting state");
        _meter.CreateObservableGauge("paperfeed.deliveries.due", () => Volatile.Read(ref _due), description: "Deliveries due for an attempt at the last retry job run");
        _meter.CreateObservableGauge("paperfeed.deliveries", ObserveDeliveries, description: "Deliveries by state, as the last retry job run counted them");
        _deferred = _meter.CreateCounter<long>("paperfeed.deliveries.deferred", description: "Deliveries put off because their endpoint's sending slots were all in use: busy (asked again shortly) or slow (left for the retry job)");
        _busRestarts = _meter.CreateCounter<long>("paperfeed.bus.restarts", description: "Restarts of the bus because publishing through it was stuck while the broker took publishes");
        _lag = _meter.CreateHistogram<double>(
            "paperfeed.consumer.lag", unit: "s", description: "Time from sending a message to the start of its consumption, per message type",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] });
    }

    public void Polled(string source, string status, TimeSpan duration, int papers)
    {
        var tag = new KeyValuePair<string, object?>("source", source);
        _polls.Add(1, tag, new KeyValuePair<string, object?>("status", status));
        _pollDuration.Record(duration.TotalSeconds, tag);
        if (papers > 0)
        {
            _discovered.Add(papers, tag);
        }
    }

    /// <summary>One sighting stored: a new paper or a new revision counts for the source that brought it.</summary>
    public void Stored(string source, Papers.UpsertOutcome outcome)
    {
        var counter = outcome switch
        {
            Papers.UpsertOutcome.Added => _added,
            Papers.UpsertOutcome.Revised => _revised,
            _ => null,
        };
        counter?.Add(1, new KeyValuePair<string, object?>("source", source));
    }

    public void Attempted(string channel, string state) =>
        _attempts.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("state", state));

    public void Deferred(string channel, string reason) =>
        _deferred.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("reason", reason));

    public void BusRestarted() => _busRestarts.Add(1);

    public void DueDeliveries(long count) => Volatile.Write(ref _due, count);

    /// <summary>The latest count of deliveries per state (every state is reported, 0 where there are none).</summary>
    public void DeliveriesByState(IReadOnlyDictionary<string, long> counts) => Volatile.Write(ref _deliveries, counts);

    public void ConsumerLag(string message, TimeSpan lag) =>
        _lag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("message", message));

    private IEnumerable<Measurement<long>> ObserveDeliveries() =>
        Volatile.Read(ref _deliveries).Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("state", c.Key)));

    public void Dispose() => _meter.Dispose();
}

public static class MetricsSetup
{
    public static IServiceCollection AddPaperFeedMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton<PaperFeedMetrics>();
        services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(PaperFeedMetrics.MeterName).AddPrometheusExporter());
        return services;
    }
}
