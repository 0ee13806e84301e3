using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Bench;

/// <summary>
/// <c>bulkhead</c>: N webhook endpoints, each subscribed to every paper, and P papers published. The baseline run
/// has every endpoint healthy; the faulty run (a fresh worker and store, same sizes) has 5 % of them (at least one)
/// hang. Both measure, over the healthy endpoints only, the time from the first publish until each has received
/// all P requests, and the latency of each delivery (request arrival − its paper's publish). The aim: the faulty
/// run's figures at most 10 % above the baseline's.
/// </summary>
public static class BulkheadScenario
{
    private const int Rounds = 3;
    private const double Goal = 1.10;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    public static async Task RunAsync(int endpoints, int papers, int? perHost, CancellationToken ct)
    {
        var hanging = Math.Max(1, (int)Math.Round(endpoints * 0.05, MidpointRounding.AwayFromZero));
        if (endpoints <= hanging)
        {
            throw new ArgumentException($"--endpoints must be more than the {hanging} that hang", nameof(endpoints));
        }

        Console.WriteLine($"bulkhead: {endpoints} webhook endpoints (one port each), {papers} papers each matched by all of them "
            + $"({endpoints * papers:N0} deliveries); faulty runs: {hanging} endpoint{(hanging == 1 ? "" : "s")} hang "
            + $"({endpoints - hanging} healthy); per-host slots {perHost?.ToString(CultureInfo.InvariantCulture) ?? "default (4)"}, "
            + $"delivery consumer 32 concurrent; {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC");

        // Warm-up (JIT, tiered compilation, Kestrel, SQLite): a faulty run and a full-size baseline run, not reported.
        await MeasureAsync(endpoints, Math.Min(papers, 10), hanging, perHost, ct);
        await MeasureAsync(endpoints, papers, 0, perHost, ct);

        var baseline = new List<Run>();
        var faulty = new List<Run>();
        for (var round = 0; round < Rounds; round++)
        {
            // Alternate which goes first, so drift in the machine's load falls on both.
            if (round % 2 == 0)
            {
                baseline.Add(await MeasureAsync(endpoints, papers, 0, perHost, ct));
                faulty.Add(await MeasureAsync(endpoints, papers, hanging, perHost, ct));
            }
            else
            {
                faulty.Add(await MeasureAsync(endpoints, papers, hanging, perHost, ct));
                baseline.Add(await MeasureAsync(endpoints, papers, 0, perHost, ct));
            }
        }

        Console.WriteLine($"  {"round",-7} {"run",-9} {"total",9} {"median",9} {"p95",9} {"max",9} {"CPU",6}  notes");
        for (var r = 0; r < Rounds; r++)
        {
            Print($"{r + 1}", "baseline", baseline[r]);
            Print("", "faulty", faulty[r]);
            Console.WriteLine($"  {"",-7} {"ratio",-9} {faulty[r].Total / baseline[r].Total,8:N2}× {faulty[r].Median / baseline[r].Median,8:N2}× {faulty[r].P95 / baseline[r].P95,8:N2}×");
        }

        var b = new Run(Median(baseline, x => x.Total), Median(baseline, x => x.Median), Median(baseline, x => x.P95), Median(baseline, x => x.Max), Median(baseline, x => x.Cpu), "");
        var f = new Run(Median(faulty, x => x.Total), Median(faulty, x => x.Median), Median(faulty, x => x.P95), Median(faulty, x => x.Max), Median(faulty, x => x.Cpu), "");
        Console.WriteLine("  medians of the rounds:");
        Print("", "baseline", b);
        Print("", "faulty", f);
        var ratios = (Total: f.Total / b.Total, Median: f.Median / b.Median, P95: f.P95 / b.P95);
        Console.WriteLine($"  {"",-7} {"ratio",-9} {ratios.Total,8:N2}× {ratios.Median,8:N2}× {ratios.P95,8:N2}×");
        string Verdict(double ratio) => ratio <= Goal ? "yes" : $"no (+{(ratio - 1) * 100:N0} %)";
        var met = ratios.Total <= Goal && ratios.Median <= Goal && ratios.P95 <= Goal;
        Console.WriteLine($"goal (healthy endpoints delayed ≤ 10 %: faulty ÷ baseline ≤ {Goal:N2}): total {Verdict(ratios.Total)}, "
            + $"median {Verdict(ratios.Median)}, p95 {Verdict(ratios.P95)} → {(met ? "met" : "not met")}");
    }

    private static void Print(string round, string run, Run r) =>
        Console.WriteLine($"  {round,-7} {run,-9} {r.Total,6:N0} ms {r.Median,6:N0} ms {r.P95,6:N0} ms {r.Max,6:N0} ms {r.Cpu,5:P0}  {r.Notes}");

    private static double Median(List<Run> runs, Func<Run, double> value)
    {
        var sorted = runs.Select(value).Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>One run's figures over the healthy endpoints, in milliseconds; CPU is the process's share of all cores.</summary>
    private sealed record Run(double Total, double Median, double P95, double Max, double Cpu, string Notes);

    /// <summary>A fresh worker, store and receivers; one run of <paramref name="papers"/> papers with <paramref name="hanging"/> endpoints hanging.</summary>
    private static async Task<Run> MeasureAsync(int endpoints, int papers, int hanging, int? perHost, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("paperfeed-bench-").FullName;
        var secret = WebhookSignature.GenerateSecret();
        var receivers = await LoopbackReceivers.StartAsync(endpoints, hanging, papers, ct);
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Urls"] = "http://127.0.0.1:0",
                ["PaperFeed:Transport"] = "InMemory",
                ["ConnectionStrings:Sqlite"] = $"Data Source={Path.Combine(folder, "bench.db")}",
                ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32",
                // Hung requests stay hung through the run; only the bulkhead keeps them from taking every slot.
                ["PaperFeed:Webhooks:Timeout"] = "00:10:00",
                // Deliveries left by the bulkhead stay pending: the retry job would send them only after this.
                ["PaperFeed:Deliveries:SweepAfter"] = "01:00:00",
            };
            if (perHost is { } slots)
            {
                settings["PaperFeed:Webhooks:MaxConcurrentPerHost"] = slots.ToString(CultureInfo.InvariantCulture);
            }

            var builder = PaperFeedApp.CreateBuilder(
                [],
                configuration =>
                {
                    configuration.Sources.Clear();
                    configuration.AddInMemoryCollection(settings);
                });
            builder.Logging.ClearProviders();
            // On stop, cancel the consumers' tokens after a second, which cancels the hung requests (otherwise the
            // bus waits its StopTimeout of 30 s for them).
            builder.Services.Configure<MassTransitHostOptions>(o => o.ConsumerStopTimeout = TimeSpan.FromSeconds(1));
            await using var app = builder.BuildPaperFeed();
            await app.StartAsync(ct);

            var store = app.Services.GetRequiredService<ISubscriptionStore>();
            var index = app.Services.GetRequiredService<SubscriptionIndex>();
            foreach (var receiver in receivers.All)
            {
                var now = DateTimeOffset.UtcNow;
                var subscription = new Subscription
                {
                    Id = ResourceIds.NewSubscriptionId(TimeProvider.System),
                    Channel = new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = $"http://127.0.0.1:{receiver.Port}/hook", Secret = secret },
                    Filter = new SubscriptionFilter { Keywords = ["sparse"] },
                    CreatedAt = now,
                    UpdatedAt = now,
                    ConfirmedAt = now,
                };
                await store.AddAsync(subscription, ct);
                index.Upsert(subscription);
            }

            var messages = Enumerable.Range(0, papers).Select(i => new PaperDiscovered(
                "bench",
                new DiscoveredPaper { ExternalId = $"bench-{i}", Title = $"Sparse routing for long contexts, {LoopbackReceivers.Marker}{i}" },
                DateTimeOffset.UtcNow)).ToList();
            var bus = app.Services.GetRequiredService<IBus>();
            var published = new long[papers];
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < papers; i++)
            {
                published[i] = Stopwatch.GetTimestamp();
                await bus.Publish(messages[i], ct);
            }

            try
            {
                await receivers.HealthyDone.WaitAsync(RunTimeout, ct);
            }
            catch (TimeoutException)
            {
                // Typically deliveries the bulkhead left pending for the retry job (a host's slots were all in use).
                var counts = await app.Services.GetRequiredService<IDeliveryStore>().CountByStateAsync(ct);
                var missing = receivers.All.Where(r => !r.Hangs).Sum(r => r.Arrivals.Count(a => a == 0));
                throw new TimeoutException(
                    $"healthy endpoints still miss {missing} of their requests after {RunTimeout}; deliveries by state: "
                    + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
            }
            var wall = Stopwatch.GetElapsedTime(start);
            process.Refresh();
            var cpuShare = (process.TotalProcessorTime - cpu) / (wall * Environment.ProcessorCount);

            var healthy = receivers.All.Where(r => !r.Hangs).ToList();
            var latencies = healthy
                .SelectMany(r => r.Arrivals.Select((arrived, i) => Stopwatch.GetElapsedTime(published[i], arrived).TotalMilliseconds))
                .Order()
                .ToArray();
            var last = healthy.Max(r => r.Arrivals.Max());
            var notes = "";
            if (hanging > 0)
            {
                var counts = await app.Services.GetRequiredService<IDeliveryStore>().CountByStateAsync(ct);
                long Count(DeliveryState state) => counts.TryGetValue(state, out var n) ? n : 0;
                notes = $"hung endpoints: {string.Join("+", receivers.All.Where(r => r.Hangs).Select(r => r.Requests))} requests in flight; "
                    + $"deliveries {Count(DeliveryState.Delivered):N0} delivered, {Count(DeliveryState.Sending)} sending, {Count(DeliveryState.Pending)} left pending";
            }

            var run = new Run(
                Stopwatch.GetElapsedTime(start, last).TotalMilliseconds,
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.95),
                latencies[^1],
                cpuShare,
                notes);

            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stopping.CancelAfter(TimeSpan.FromMinutes(1));
            await app.StopAsync(stopping.Token);
            return run;
        }
        finally
        {
            await receivers.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Nearest rank over sorted values.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
