using MassTransit;
using Microsoft.Extensions.Options;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Messaging;

namespace PaperFeed.Worker.Papers;

/// <summary>
/// Stores discovered papers a batch at a time and announces what is new or revised. The announcement is
/// marked only after it was published: if the process dies in between, the redelivered batch finds the paper
/// stored but unannounced and announces it again from the stored state (downstream deduplicates).
/// </summary>
public sealed class IngestPapersConsumer(IPaperStore store, PaperFeedMetrics metrics, ILogger<IngestPapersConsumer> logger) : IConsumer<Batch<PaperDiscovered>>
{
    public async Task Consume(ConsumeContext<Batch<PaperDiscovered>> context)
    {
        var batch = context.Message.Select(m => m.Message).ToList();
        var results = await store.UpsertAsync(batch, context.CancellationToken);

        // A paper may occur several times in one batch: announce its final state once.
        var owed = new Dictionary<string, StoredPaper>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            if (result.NeedsAnnouncement)
            {
                owed[result.Paper.Id] = result.Paper;
            }
            else
            {
                owed.Remove(result.Paper.Id);
            }
        }

        // Published together: each publish waits for the broker's confirm, and one at a time that wait dominates.
        await Task.WhenAll(owed.Values.Select(paper => paper.AnnouncedRevision == 0
            ? context.Publish(new PaperAdded(paper.Id, paper.ToSummary()), context.CancellationToken)
            : context.Publish(new PaperRevised(paper.Id, paper.ToSummary()), context.CancellationToken)));

        // Counted per source by what this batch did to the store (results are in batch order).
        for (var i = 0; i < results.Count; i++)
        {
            metrics.Stored(batch[i].Source, results[i].Outcome);
        }

        if (owed.Count > 0)
        {
            await store.MarkAnnouncedAsync(owed.Values.Select(p => (p.Id, p.Revision)).ToList(), context.CancellationToken);
        }

        logger.LogDebug("ingested {Count} sightings: {Announced} announced", batch.Count, owed.Count);
    }
}

/// <summary>Batching and retry policy of the ingest endpoint (kept out of the consumer).</summary>
public sealed class IngestPapersConsumerDefinition(IOptions<PaperFeedOptions> options) : ConsumerDefinition<IngestPapersConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<IngestPapersConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        var ingest = options.Value.Ingest;

        // A store outage must not send papers to _error: retry with growing pauses, then redeliver later.
        endpointConfigurator.UseStoreRetry(context);

        // Room for the next batch to fill while one is being stored (MassTransit's default is exactly one batch).
        endpointConfigurator.PrefetchCount = ingest.BatchSize * 2;
        endpointConfigurator.ConcurrentMessageLimit = ingest.BatchSize * 2;

        // One batch at a time: SQLite has one writer, and it keeps announcements of a paper in order.
        consumerConfigurator.Options<BatchOptions>(b => b
            .SetMessageLimit(ingest.BatchSize)
            .SetTimeLimit(ingest.BatchTimeLimit)
            .SetConcurrencyLimit(1));
    }
}
