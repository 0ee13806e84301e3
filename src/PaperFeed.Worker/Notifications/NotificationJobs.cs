using MassTransit;
using Microsoft.Extensions.Options;
using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications.Digest;
using Quartz;

namespace PaperFeed.Worker.Notifications;

/// <summary>
/// Sends what is due from the durable schedule: failed deliveries whose next attempt has come, claims of workers
/// that died mid-attempt, and pending deliveries whose message was lost. It publishes; the consumer claims, so a
/// delivery that is picked twice is still sent once.
/// </summary>
public sealed class DeliveryRetrier(IDeliveryStore deliveries, IPublishEndpoint publish, TimeProvider time, Hosting.PaperFeedMetrics metrics)
{
    public const int BatchSize = 500;

    /// <summary>Publishes a <see cref="DeliverNotification"/> for every due delivery; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var due = await deliveries.ListDueAsync(time.GetUtcNow(), BatchSize, cancellationToken);
        metrics.DueDeliveries(due.Count);
        var counts = await deliveries.CountByStateAsync(cancellationToken);
        metrics.DeliveriesByState(Enum.GetValues<DeliveryState>().ToDictionary(
            s => s.ToString().ToLowerInvariant(), s => counts.GetValueOrDefault(s)));
        await Task.WhenAll(due.Select(id => publish.Publish(new DeliverNotification(id), cancellationToken)));
        return due.Count;
    }
}

/// <summary>
/// Runs a job of every notify worker in one of them at a time, through a lease in the source-state store (named
/// <c>@job:&lt;job&gt;</c>; source names cannot start with <c>@</c>). Sending stays single without it, since deliveries
/// are claimed and unique by key; the lease only saves the other workers the same reads and publishes.
/// </summary>
public sealed class JobLease(Polling.ISourceStateStore states, Hosting.WorkerInstance worker, TimeProvider time)
{
    public const string Prefix = "@job:";

    /// <summary>A job's run holds the lease at most this long (a worker that dies mid-run frees it then).</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromMinutes(5);

    /// <summary>Runs <paramref name="work"/> unless another worker is running the job; false when it did not run.</summary>
    public async Task<bool> RunAsync(string job, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var name = Prefix + job;
        var now = time.GetUtcNow();
        if (!await states.TryAcquireLeaseAsync(name, worker.Id, now, now + Hold, cancellationToken))
        {
            return false;
        }

        try
        {
            await work(cancellationToken);
            return true;
        }
        finally
        {
            await states.ReleaseLeaseAsync(name, worker.Id, CancellationToken.None);
        }
    }
}

[DisallowConcurrentExecution]
public sealed class DeliveryRetryJob(DeliveryRetrier retrier, JobLease lease, ILogger<DeliveryRetryJob> logger) : IJob
{
    public static readonly JobKey Key = new("delivery-retry", "notifications");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await lease.RunAsync(Key.Name, async ct =>
        {
            var count = await retrier.RunOnceAsync(ct);
            if (count > 0)
            {
                logger.LogInformation("{Count} due deliveries sent for another attempt", count);
            }
        }, cancellationToken);
}

[DisallowConcurrentExecution]
public sealed class DigestJob(DigestBuilder digests, JobLease lease) : IJob
{
    public static readonly JobKey Key = new("digest", "notifications");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await lease.RunAsync(Key.Name, digests.RunOnceAsync, cancellationToken);
}

/// <summary>Schedules the retry and digest jobs every <see cref="DeliveryOptions.JobInterval"/> from start.</summary>
internal sealed class NotificationJobScheduler(ISchedulerFactory schedulers, IOptions<DeliveryOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await ScheduleAsync<DeliveryRetryJob>(scheduler, DeliveryRetryJob.Key, cancellationToken);
        await ScheduleAsync<DigestJob>(scheduler, DigestJob.Key, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ScheduleAsync<TJob>(IScheduler scheduler, JobKey key, CancellationToken cancellationToken)
        where TJob : IJob
    {
        var job = JobBuilder.Create<TJob>().WithIdentity(key).StoreDurably().Build();
        var trigger = TriggerBuilder.Create()
            .ForJob(job)
            .WithIdentity(key.Name, key.Group)
            .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(options.Value.JobInterval).RepeatForever()
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .StartNow()
            .Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
        await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
    }
}
