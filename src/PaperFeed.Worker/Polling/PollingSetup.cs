using PaperFeed.Contracts;
using Quartz;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Sources;

namespace PaperFeed.Worker.Polling;

public static class PollingSetup
{
    /// <summary>Quartz with one <see cref="PollSourceJob"/> per runnable source, scheduled as configured.</summary>
    /// <remarks>Without the poller role the scheduler runs no source: polls requested here go to a poller.</remarks>
    public static IServiceCollection AddPaperFeedPolling(this IServiceCollection services, WorkerRoles roles)
    {
        services.AddScoped<SourcePoller>();
        services.AddSingleton<PollTrigger>();
        // The scheduler fires on the wall clock; what a job does with the time (is a retry due? which digest
        // period ended?) asks the container's TimeProvider, which tests replace with a fake they advance.
        services.AddQuartz(q => q.UseTimeProvider(TimeProvider.System));
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        if (roles.HasFlag(WorkerRoles.Poller))
        {
            services.AddHostedService<SourceScheduler>();
        }

        return services;
    }
}

/// <summary>Registers the configured sources' jobs with the scheduler at start; logs the ones that cannot run.</summary>
internal sealed class SourceScheduler(
    ISchedulerFactory schedulers, SourceRegistry registry, ISourceStateStore states, TimeProvider clock, ILogger<SourceScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var known = (await states.ListAsync(cancellationToken)).ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
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

            // The scheduler lives in memory: a cron firing that fell into downtime is gone, and a daily source would wait
            // a whole day more. Poll now instead when the schedule fired since the last poll (an interval starts now anyway).
            if (known.GetValueOrDefault(source.Name) is { } state && state.LastPolledAt is { } last
                && schedule.MissedSince(last, clock.GetUtcNow()) is { } missed)
            {
                logger.LogInformation("source {Source}: its poll due at {Missed:u} was missed (last poll {Last:u}); polling now", source.Name, missed, last);
                await scheduler.TriggerJob(job.Key, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Starts a poll now, outside the schedule (API and CLI), ignoring any back-off.</summary>
public sealed class PollTrigger(ISchedulerFactory schedulers, WorkerInstance worker, IServiceScopeFactory scopes)
{
    /// <summary>
    /// Fires the source's job in this process when it has the poller role; otherwise asks the pollers on the bus
    /// (<see cref="PollRequested"/>), one of which fires its job.
    /// </summary>
    public async Task TriggerAsync(string source, CancellationToken cancellationToken)
    {
        if (!worker.Has(WorkerRoles.Poller))
        {
            using var scope = scopes.CreateScope();
            await scope.ServiceProvider.GetRequiredService<MassTransit.IPublishEndpoint>().Publish(new PollRequested(source), cancellationToken);
            return;
        }

        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(PollSourceJob.KeyFor(source), new JobDataMap { [PollSourceJob.ManualKey] = true }, cancellationToken);
    }

    /// <summary>
    /// When the source's schedule next polls it, counting only firings at or after <paramref name="notBefore"/>;
    /// null in a process without the poller role (the schedule runs elsewhere).
    /// </summary>
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


/// <summary>A poll asked for by a process that does not poll (an API-only worker); a poller fires the job.</summary>
public sealed class PollRequestedConsumer(PollTrigger trigger, SourceRegistry registry, ILogger<PollRequestedConsumer> logger) : MassTransit.IConsumer<PollRequested>
{
    public async Task Consume(MassTransit.ConsumeContext<PollRequested> context)
    {
        if (registry.Find(context.Message.Source) is not { Runnable: true } source)
        {
            logger.LogWarning("poll of {Source} requested, but this poller has no runnable source of that name", context.Message.Source);
            return;
        }

        await trigger.TriggerAsync(source.Name, context.CancellationToken);
    }
}
