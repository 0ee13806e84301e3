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

[DisallowConcurrentExecution]
public sealed class DeliveryRetryJob(DeliveryRetrier retrier, ILogger<DeliveryRetryJob> logger) : IJob
{
    public static readonly JobKey Key = new("delivery-retry", "notifications");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var count = await retrier.RunOnceAsync(cancellationToken);
        if (count > 0)
        {
            logger.LogInformation("{Count} due deliveries sent for another attempt", count);
        }
    }
}

[DisallowConcurrentExecution]
public sealed class DigestJob(DigestBuilder digests) : IJob
{
    public static readonly JobKey Key = new("digest", "notifications");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await digests.RunOnceAsync(cancellationToken);
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
