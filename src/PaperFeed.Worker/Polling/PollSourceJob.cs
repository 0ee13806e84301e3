using Quartz;

namespace PaperFeed.Worker.Polling;

/// <summary>
/// Polls one source. One job per source (the job key is the source name), and Quartz never runs two executions
/// of one job at once, so a slow poll delays the next instead of overlapping it. Across workers the source's lease
/// prevents overlap, and <see cref="IntervalStart"/> repetition.
/// </summary>
[DisallowConcurrentExecution]
public sealed class PollSourceJob(SourcePoller poller) : IJob
{
    public const string Group = "sources";
    public const string SourceKey = "source";
    public const string ManualKey = "manual";

    public static JobKey KeyFor(string source) => new(source, Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var source = context.MergedJobDataMap.GetString(SourceKey)!;
        var manual = context.MergedJobDataMap.ContainsKey(ManualKey) && context.MergedJobDataMap.GetBoolean(ManualKey);
        await poller.PollAsync(source, ignoreBackoff: manual, cancellationToken, manual ? null : IntervalStart(context.ScheduledFireTimeUtc, context.NextFireTimeUtc));
    }

    /// <summary>
    /// Where this firing's share of the schedule begins: half the gap to the next firing before it. Every worker
    /// fires on the same schedule; a worker skips a firing when another polled since then, so a source is
    /// polled about once per interval whatever the number of workers, and a firing after downtime always polls.
    /// </summary>
    internal static DateTimeOffset? IntervalStart(DateTimeOffset? scheduled, DateTimeOffset? next) =>
        scheduled is { } at && next is { } then && then > at ? at - (then - at) / 2 : null;
}
