using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Options;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Messaging;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;
using PaperFeed.Worker.Sources.ArxivOai;
using PaperFeed.Worker.Storage;

namespace PaperFeed.Worker.Cli;

/// <summary>
/// <c>backfill &lt;source&gt; --from YYYY-MM-DD [--until YYYY-MM-DD]</c>: harvests a configured <c>arxiv-oai</c>
/// source's window page after page, publishes every paper as <see cref="PaperDiscovered"/> (stored like any poll)
/// and saves the harvest state as <c>&lt;source&gt;:backfill</c> after each page, apart from the scheduled poll's.
/// Ctrl+C stops after the page in flight; the same command again resumes from the saved resumptionToken.
/// </summary>
/// <remarks>
/// Composition: a generic host with the store, the sources and the bus (with the ingest consumer, so that on
/// the in-memory transport the papers are stored by this process) — not the web host, so no HTTP port is bound
/// and no scheduler polls. Unknown arguments go to the host's configuration, as for <c>run</c>.
/// </remarks>
public static class BackfillCommand
{
    /// <summary>How long the papers of one page may take to be stored (in-memory transport) before the backfill gives up.</summary>
    public static TimeSpan StoreTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "The name of a configured arxiv-oai source." };
        var from = new Option<string>("--from") { Description = "The first day to harvest (YYYY-MM-DD, inclusive).", Required = true };
        var until = new Option<string?>("--until") { Description = "The last day to harvest (YYYY-MM-DD, inclusive); default: up to today." };
        var command = new Command("backfill", "Harvest an arxiv-oai source's past records page by page (resumable); store them like any poll.")
        {
            source, from, until,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) => BackfillAsync(
            parse.GetValue(source)!, parse.GetValue(from)!, parse.GetValue(until), [.. parse.UnmatchedTokens], Console.Error, ct));
        return command;
    }

    /// <param name="stop">Ctrl+C: ends the backfill after the page in flight.</param>
    /// <param name="configure">Adjusts the host before it is built (tests replace the configuration and add services).</param>
    /// <returns>0 when the window is complete, 130 when stopped before, 1 when the source failed, 2 for bad arguments or configuration.</returns>
    public static async Task<int> BackfillAsync(
        string source,
        string from,
        string? until,
        string[] hostArgs,
        TextWriter stderr,
        CancellationToken stop,
        Action<HostApplicationBuilder>? configure = null)
    {
        var first = OaiQuery.ParseDate(from);
        var last = until is null ? null : OaiQuery.ParseDate(until);
        if (first is null || (until is not null && last is null))
        {
            await stderr.WriteLineAsync($"paperfeed: --from and --until take a YYYY-MM-DD date (got '{(first is null ? from : until)}')");
            return 2;
        }

        if (last < first)
        {
            await stderr.WriteLineAsync($"paperfeed: --until {until} is before --from {from}");
            return 2;
        }

        IHost host;
        try
        {
            host = BuildHost(hostArgs, configure);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OptionsValidationException)
        {
            // A broken configuration is reported in one line, not as a stack trace.
            await stderr.WriteLineAsync($"paperfeed: cannot start: {ex.Message}");
            return 2;
        }

        using (host)
        {
            try
            {
                // The store's schema and the bus (a broker that cannot be reached fails here, not at the first page).
                await host.StartAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                await stderr.WriteLineAsync($"paperfeed: cannot start: {ex.Message}");
                return 2;
            }

            try
            {
                return await RunAsync(host.Services, source, first.Value, last, stderr, stop);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
    }

    private static IHost BuildHost(string[] hostArgs, Action<HostApplicationBuilder>? configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = hostArgs, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.Logging.ClearProviders()
            .AddFilter("Polly", LogLevel.None) // a failed page is reported once, by the command
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout stays clean
        builder.Services.AddOptions<PaperFeedOptions>().BindConfiguration(PaperFeedOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddPaperFeedStorage(builder.Configuration);
        builder.Services.AddPaperFeedSources(builder.Configuration);
        // Stores what it harvests; matching and sending are left to the workers.
        builder.Services.AddPaperFeedMessaging(builder.Configuration, WorkerRoles.Ingest);
        return builder.Build();
    }

    /// <summary>The backfill itself, on services whose host has started (the store's schema exists, the bus runs).</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string sourceName, DateOnly from, DateOnly? until, TextWriter stderr, CancellationToken stop)
    {
        var registry = services.GetRequiredService<SourceRegistry>();
        var source = registry.Find(sourceName);
        if (source is null)
        {
            var known = string.Join(", ", registry.Sources.Select(s => s.Name));
            await stderr.WriteLineAsync($"paperfeed: no source named '{sourceName}' (configured: {(known.Length == 0 ? "none" : known)})");
            return 2;
        }

        if (source.ConfigError is not null)
        {
            await stderr.WriteLineAsync($"paperfeed: {source.ConfigError}");
            return 2;
        }

        if (registry.TypeOf(source.Type) is not ArxivOaiSource)
        {
            await stderr.WriteLineAsync($"paperfeed: backfill harvests arxiv-oai sources; '{source.Name}' is a '{source.Type}' source");
            return 2;
        }

        var settings = services.GetRequiredService<IOptions<PaperFeedOptions>>().Value;
        var clock = services.GetRequiredService<TimeProvider>();
        var states = services.GetRequiredService<ISourceStateStore>();
        var papersStore = services.GetRequiredService<IPaperStore>();
        var bus = services.GetRequiredService<IBus>();
        var noValidators = new Dictionary<string, HttpValidators>();

        // No validators: a backfill asks for each page once, and a 304 would skip records.
        var context = new HttpSourceContext(
            source,
            noValidators,
            services.GetRequiredService<IHttpClientFactory>().CreateClient(SourcesSetup.HttpClientName),
            settings.Http,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("PaperFeed.Backfill"),
            clock);

        OaiQuery query;
        try
        {
            query = OaiQuery.FromContext(context);
        }
        catch (SourceException ex)
        {
            await stderr.WriteLineAsync($"paperfeed: {ex.Message}");
            return 2;
        }

        var stateName = $"{source.Name}:backfill";
        var saved = OaiHarvestState.FromCheckpoint((await states.GetAsync(stateName, CancellationToken.None)).Checkpoint);
        var state = OaiHarvestState.Start(query, from, until);
        var label = $"backfill {source.Name} {state.Window}";
        if (saved is not null && saved.IsFor(query) && saved.From == from && saved.Until == until)
        {
            if (saved.Done)
            {
                await stderr.WriteLineAsync($"{label}: already complete ({saved.Harvested} records); nothing to do");
                return 0;
            }

            state = saved;
            await stderr.WriteLineAsync($"{label}: resuming after {saved.Harvested} of {saved.Size?.ToString(CultureInfo.InvariantCulture) ?? "?"} records");
        }
        else
        {
            await stderr.WriteLineAsync($"{label}: harvesting metadataPrefix={query.MetadataPrefix}{(query.Set is null ? "" : $" set={query.Set}")} from {query.Endpoint}");
        }

        var watch = Stopwatch.StartNew();
        long readThisRun = 0;
        var pages = 0;
        async Task OnPage(OaiPageResult page, CancellationToken cancellationToken)
        {
            var papers = page.Papers.Where(p => !string.IsNullOrWhiteSpace(p.ExternalId) && !string.IsNullOrWhiteSpace(p.Title)).ToList();
            if (papers.Count > 0)
            {
                var discoveredAt = clock.GetUtcNow();
                await bus.PublishBatch(papers.Select(p => new PaperDiscovered(source.Name, p, discoveredAt)), cancellationToken);
                if (settings.Transport == TransportKind.InMemory)
                {
                    // In memory, "published" is not durable: the checkpoint moves only once this process stored them.
                    await WaitUntilStoredAsync(papersStore, papers, cancellationToken);
                }
            }

            await states.RecordSuccessAsync(stateName, page.Next.ToCheckpoint(), noValidators, papers.Count, clock.GetUtcNow(), cancellationToken);
            pages++;
            readThisRun = page.Restarted ? page.Info.Records : readThisRun + page.Info.Records;
            await stderr.WriteLineAsync(Progress(label, pages, page, readThisRun, watch.Elapsed));
        }

        try
        {
            // The page in flight is never cancelled: Ctrl+C (stop) ends the loop between pages.
            state = await OaiHarvester.RunAsync(context, query, state, OnPage, stop, CancellationToken.None);
        }
        catch (SourceException ex)
        {
            await stderr.WriteLineAsync($"paperfeed: {label} failed: {ex.Message}; the same command resumes after the last saved page");
            return 1;
        }
        catch (TimeoutException ex)
        {
            await stderr.WriteLineAsync($"paperfeed: {label} failed: {ex.Message}; the same command resumes after the last saved page");
            return 1;
        }

        if (!state.Done)
        {
            await stderr.WriteLineAsync($"{label}: stopped after {state.Harvested} records; run the same command to resume");
            return 130;
        }

        await stderr.WriteLineAsync($"{label}: complete, {state.Harvested} records in {pages} pages this run");
        return 0;
    }

    private static string Progress(string label, int pages, OaiPageResult page, long readThisRun, TimeSpan elapsed)
    {
        var next = page.Next;
        var rate = elapsed.TotalSeconds > 0 ? readThisRun / elapsed.TotalSeconds : 0;
        var of = next.Size is { } size ? $" of {size}" : "";
        var percent = next.Size is > 0 ? $" ({100.0 * next.Harvested / next.Size.Value:0.0}%)" : "";
        var eta = next.Done ? "done"
            : next.Size is { } total && rate > 0 ? $"ETA {Duration(TimeSpan.FromSeconds(Math.Max(0, total - next.Harvested) / rate))}"
            : "ETA unknown";
        var restarted = page.Restarted ? " (token refused: restarted the window)" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{label}: page {pages}, {next.Harvested}{of} records{percent}, {rate:0.0} records/s, {eta}{restarted}");
    }

    /// <summary>"1:02:03"; hours keep counting past a day (a full arXiv backfill takes days).</summary>
    private static string Duration(TimeSpan span) =>
        string.Create(CultureInfo.InvariantCulture, $"{(long)span.TotalHours}:{span.Minutes:D2}:{span.Seconds:D2}");

    private static async Task WaitUntilStoredAsync(IPaperStore store, List<DiscoveredPaper> papers, CancellationToken cancellationToken)
    {
        var pending = papers.Select(p => PaperIdentity.KeysOf(p)[0]).Distinct(StringComparer.Ordinal).ToList();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var missing = new List<string>();
            foreach (var key in pending)
            {
                if (await store.FindAsync(key, cancellationToken) is null)
                {
                    missing.Add(key);
                }
            }

            if (missing.Count == 0)
            {
                return;
            }

            if (deadline.Elapsed > StoreTimeout)
            {
                throw new TimeoutException($"{missing.Count} of {papers.Count} papers of the page were published but not stored within {StoreTimeout} (first: {missing[0]})");
            }

            pending = missing;
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
