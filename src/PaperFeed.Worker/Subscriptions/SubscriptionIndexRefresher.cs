using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Worker.Subscriptions;

/// <summary>
/// Loads every subscription into the matching index at start, then applies changes made elsewhere (other
/// workers, another API process) every <see cref="Interval"/>. Changes made through this process's API are
/// applied at once by the API itself.
/// </summary>
internal sealed class SubscriptionIndexRefresher(
    ISubscriptionStore store, SubscriptionIndex index, TimeProvider time, ILogger<SubscriptionIndexRefresher> logger) : BackgroundService
{
    /// <summary>How often changes are read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    // Re-read a little before the last read, so a write whose timestamp was taken just before it is not missed.
    private static readonly TimeSpan Overlap = TimeSpan.FromMinutes(1);

    private DateTimeOffset _since;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _since = time.GetUtcNow();
        var all = await store.ListAsync(cancellationToken);
        index.ReplaceAll(all);
        logger.LogInformation("{Active} of {Count} subscriptions are active and indexed", index.Count, all.Count);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var from = _since - Overlap;
                _since = time.GetUtcNow();
                var changes = await store.ListChangedSinceAsync(from, stoppingToken);
                foreach (var subscription in changes.Changed)
                {
                    index.Upsert(subscription);
                }

                foreach (var id in changes.Deleted)
                {
                    index.Remove(id);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "reading subscription changes failed; the index keeps its state and tries again");
            }
        }
    }
}
