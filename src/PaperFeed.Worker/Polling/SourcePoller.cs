using MassTransit;
using Microsoft.Extensions.Options;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Sources;

namespace PaperFeed.Worker.Polling;

public enum PollStatus
{
    /// <summary>The poll ran; its papers were published and its checkpoint saved.</summary>
    Succeeded,

    /// <summary>The poll failed; the error is recorded against the source and it backs off.</summary>
    Failed,

    /// <summary>Not polled: disabled, misconfigured, or backing off after errors.</summary>
    Skipped,
}

/// <summary>What one poll did.</summary>
public sealed record PollReport(string Source, PollStatus Status, int Papers, string? Message);

/// <summary>
/// One poll of one source: fetch since the checkpoint, publish a <see cref="PaperDiscovered"/> per paper, and only
/// then save the checkpoint and HTTP validators — so a crash between the two re-publishes rather than loses.
/// </summary>
public sealed class SourcePoller(
    SourceRegistry registry,
    ISourceStateStore states,
    IPublishEndpoint publisher,
    IHttpClientFactory httpFactory,
    IOptions<PaperFeedOptions> options,
    TimeProvider clock,
    WorkerInstance worker,
    Hosting.PaperFeedMetrics metrics,
    ILogger<SourcePoller> logger)
{
    /// <summary>How much longer than the poll timeout a lease lasts: a poll that ends holds it no longer than this.</summary>
    public static readonly TimeSpan LeaseMargin = TimeSpan.FromMinutes(1);

    /// <param name="skipIfPolledSince">
    /// For scheduled polls: skip when any worker finished a poll of the source at or after this time, so that
    /// workers on the same schedule poll a source once per interval between them, not once each.
    /// </param>
    public async Task<PollReport> PollAsync(string name, bool ignoreBackoff, CancellationToken cancellationToken, DateTimeOffset? skipIfPolledSince = null)
    {
        var source = registry.Find(name);
        if (source is null)
        {
            return new PollReport(name, PollStatus.Skipped, 0, $"no source named '{name}'");
        }

        if (source.ConfigError is not null)
        {
            return new PollReport(name, PollStatus.Skipped, 0, source.ConfigError);
        }

        if (!source.Enabled)
        {
            return new PollReport(name, PollStatus.Skipped, 0, $"source '{name}' is disabled");
        }

        var state = await states.GetAsync(name, cancellationToken);
        var now = clock.GetUtcNow();
        if (!ignoreBackoff && state.BackoffUntil is { } until && until > now)
        {
            logger.LogDebug("source {Source}: backing off until {Until} after {Errors} consecutive errors", name, until, state.ConsecutiveErrors);
            return new PollReport(name, PollStatus.Skipped, 0, $"backing off until {until:O}");
        }

        // One worker polls a source at a time, cluster-wide; a worker that dies mid-poll loses the lease when it lapses.
        var settings = options.Value;
        if (!await states.TryAcquireLeaseAsync(name, worker.Id, now, now + settings.Polling.PollTimeout + LeaseMargin, cancellationToken))
        {
            logger.LogDebug("source {Source}: another worker is polling it", name);
            return new PollReport(name, PollStatus.Skipped, 0, "another worker is polling this source");
        }

        // The poll is the root of a trace: MassTransit carries it through ingest, matching and delivery.
        using var activity = PaperFeedTracing.Source.StartActivity($"poll {name}", System.Diagnostics.ActivityKind.Internal);
        using var scope = logger.About(PaperFeedTracing.Id.Source(name));
        var started = clock.GetTimestamp();
        try
        {
            if (skipIfPolledSince is { } since)
            {
                // Read under the lease: a poll another worker just finished is recorded by now.
                state = await states.GetAsync(name, cancellationToken);
                if (state.LastPolledAt is { } last && last >= since)
                {
                    logger.LogDebug("source {Source}: already polled at {At} in this interval", name, last);
                    return new PollReport(name, PollStatus.Skipped, 0, $"already polled at {last:O} in this interval");
                }
            }

            var report = await PollLeasedAsync(name, source, state, settings, cancellationToken);
            metrics.Polled(name, report.Status.ToString().ToLowerInvariant(), clock.GetElapsedTime(started), report.Papers);
            activity?.SetTag("paperfeed.papers", report.Papers);
            if (report.Status == PollStatus.Failed)
            {
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, report.Message);
            }

            return report;
        }
        finally
        {
            await states.ReleaseLeaseAsync(name, worker.Id, CancellationToken.None);
        }
    }

    private async Task<PollReport> PollLeasedAsync(string name, SourceDefinition source, SourceState state, PaperFeedOptions settings, CancellationToken cancellationToken)
    {
        var context = new HttpSourceContext(source, state.Validators, httpFactory.CreateClient(SourcesSetup.HttpClientName), settings.Http, logger, clock);
        var type = registry.TypeOf(source.Type)!;

        // The timeout bounds the whole poll, publishing included, so that it ends before its lease lapses.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Polling.PollTimeout);
        FetchResult result;
        try
        {
            // WaitAsync: a source (a plug-in, say) that ignores its cancellation token is abandoned, not awaited forever.
            result = await type.FetchAsync(context, state.Checkpoint, timeout.Token).WaitAsync(timeout.Token)
                ?? throw new SourceException("the source returned no result");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var message = ex switch
            {
                OperationCanceledException => $"the poll took longer than {settings.Polling.PollTimeout} (PaperFeed:Polling:PollTimeout)",
                SourceException => ex.Message,
                _ => $"{ex.GetType().Name}: {ex.Message}",
            };
            return await RecordFailureAsync(name, state.ConsecutiveErrors + 1, message, cancellationToken);
        }

        // A source's papers are checked here, once for all sources, so that one source's garbage never reaches
        // the ingest batch it would share with other sources' papers.
        var papers = (result.Papers ?? []).Select(Sanitize).OfType<DiscoveredPaper>().ToList();
        if (papers.Count > 0)
        {
            var discoveredAt = clock.GetUtcNow();
            try
            {
                // The broker may go away mid-publish (a restart), and a publish can then wait for a confirm that never
                // comes: abandoned at the timeout like a hung fetch. Either way the poll fails without saving its
                // checkpoint, and the next poll publishes these papers again (the store keeps one of each).
                await publisher.PublishBatch(papers.Select(p => new PaperDiscovered(name, p, discoveredAt)), timeout.Token).WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var message = ex is OperationCanceledException
                    ? $"publishing {papers.Count} papers to the bus did not finish within the poll timeout {settings.Polling.PollTimeout} (PaperFeed:Polling:PollTimeout)"
                    : $"publishing {papers.Count} papers to the bus failed: {ex.GetType().Name}: {ex.Message}";
                return await RecordFailureAsync(name, state.ConsecutiveErrors + 1, message, cancellationToken);
            }
        }

        await states.RecordSuccessAsync(name, result.Checkpoint, context.LearntValidators, papers.Count, clock.GetUtcNow(), cancellationToken);
        if (state.ConsecutiveErrors > 0)
        {
            logger.LogInformation("source {Source}: polled again after {Errors} failed polls, {Count} papers", name, state.ConsecutiveErrors, papers.Count);
        }
        else
        {
            logger.LogInformation("source {Source}: polled, {Count} papers", name, papers.Count);
        }

        return new PollReport(name, PollStatus.Succeeded, papers.Count, null);
    }

    private async Task<PollReport> RecordFailureAsync(string name, int errors, string message, CancellationToken cancellationToken)
    {
        var polling = options.Value.Polling;
        var now = clock.GetUtcNow();
        var until = now + Backoff(errors, polling.BackoffBase, polling.BackoffMax);
        await states.RecordFailureAsync(name, message, now, until, cancellationToken);
        logger.LogWarning("source {Source}: poll failed ({Errors} in a row), next try after {Until:u}: {Error}", name, errors, until, message);
        return new PollReport(name, PollStatus.Failed, 0, message);
    }

    private const int MaxTitle = 2_000;
    private const int MaxText = 100_000;
    private const int MaxList = 1_000;

    /// <summary>
    /// The paper with nulls a careless source may leave (lists, links, metrics) made empty and oversized text cut;
    /// null when it has no id or title and so cannot be stored at all.
    /// </summary>
    internal static DiscoveredPaper? Sanitize(DiscoveredPaper? paper)
    {
        if (paper is null || string.IsNullOrWhiteSpace(paper.ExternalId) || string.IsNullOrWhiteSpace(paper.Title))
        {
            return null;
        }

        return paper with
        {
            ExternalId = Cut(paper.ExternalId.Trim(), MaxTitle),
            Title = Cut(paper.Title.Trim(), MaxTitle),
            Abstract = paper.Abstract is null ? null : Cut(paper.Abstract, MaxText),
            Summary = paper.Summary is null ? null : Cut(paper.Summary, MaxText),
            Authors = Clean(paper.Authors),
            Categories = Clean(paper.Categories),
            Keywords = Clean(paper.Keywords),
            Links = paper.Links ?? new PaperLinks(),
            Metrics = paper.Metrics ?? new PaperMetrics(),
        };

        static string Cut(string text, int max) => text.Length <= max ? text : text[..max];

        static IReadOnlyList<string> Clean(IReadOnlyList<string>? items) =>
            items is null ? [] : items.Where(i => !string.IsNullOrWhiteSpace(i)).Take(MaxList).Select(i => Cut(i.Trim(), MaxTitle)).ToList();
    }

    /// <summary>base × 2^(errors−1), capped.</summary>
    public static TimeSpan Backoff(int consecutiveErrors, TimeSpan @base, TimeSpan max)
    {
        var exponent = Math.Clamp(consecutiveErrors - 1, 0, 30);
        var ticks = @base.Ticks * Math.Pow(2, exponent);
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}
