using Quartz;
using PaperFeed.Worker.Sources;

namespace PaperFeed.Worker.Polling;

public static class PollingSetup
{
    /// <summary>Quartz with one <see cref="PollSourceJob"/> per runnable source, scheduled as configured.</summary>
    public static IServiceCollection AddPaperFeedPolling(this IServiceCollection services)
    {
        services.AddScoped<SourcePoller>();
        services.AddSingleton<WorkerInstance>();
        services.AddSingleton<PollTrigger>();
        // The scheduler fires on the wall clock; what a job does with the time (is a retry due? which digest
        // period ended?) asks the container's TimeProvider, which tests replace with a fake they advance.
        services.AddQuartz(q => q.UseTimeProvider(TimeProvider.System));
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.AddHostedService<SourceScheduler>();
        return services;
    }
}

/// <summary>Registers the configured sources' jobs with the scheduler at start; logs the ones that cannot run.</summary>
internal sealed class SourceScheduler(ISchedulerFactory schedulers, SourceRegistry registry, ILogger<SourceScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        foreach (var source in registry.Sources)
        {
            if (source.ConfigError is not null)
            {
                logger.LogError("{Error}; this source will not be polled until its configuration is fixed", source.ConfigError);
                continue;
            }

            var job = JobBuilder.Create<PollSourceJob>()
                .WithIdentity(PollSourceJob.KeyFor(source.Name))
                .UsingJobData(PollSourceJob.SourceKey, source.Name)
                .StoreDurably()
                .Build();
            await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
            if (!source.Enabled)
            {
                logger.LogInformation("source {Source} ({Type}) is disabled", source.Name, source.Type);
                continue;
            }

            var schedule = source.ParsedSchedule!;
            IScheduleBuilder when = schedule.Interval is { } interval
                ? SimpleScheduleBuilder.Create().WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)
                : CronScheduleBuilder.Create(schedule.Cron!, schedule.Format).InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed);
            var trigger = TriggerBuilder.Create()
                .ForJob(job)
                .WithIdentity(source.Name, PollSourceJob.Group)
                .WithSchedule(when)
                .StartNow()
                .Build();
            await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
            logger.LogInformation("source {Source} ({Type}) scheduled {Schedule}", source.Name, source.Type, schedule);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Starts a poll now, outside the schedule (API and CLI), ignoring any back-off.</summary>
public sealed class PollTrigger(ISchedulerFactory schedulers)
{
    public async Task TriggerAsync(string source, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(PollSourceJob.KeyFor(source), new JobDataMap { [PollSourceJob.ManualKey] = true }, cancellationToken);
    }

    /// <summary>When the source's schedule next polls it, counting only firings at or after <paramref name="notBefore"/>.</summary>
    public async Task<DateTimeOffset?> NextFireAsync(string source, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = await scheduler.GetTrigger(new TriggerKey(source, PollSourceJob.Group), cancellationToken);
        var next = trigger?.NextFireTimeUtc;
        while (next is { } at && notBefore is { } limit && at < limit)
        {
            next = trigger!.GetFireTimeAfter(at);
        }

        return next;
    }
}

/// <summary>This worker process among the others sharing the broker and the store (the holder named in leases).</summary>
public sealed class WorkerInstance
{
    public string Id { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
}
