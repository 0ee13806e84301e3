using Quartz;

namespace PaperFeed.Worker.Polling;

/// <summary>
/// Polls one source. One job per source (the job key is the source name), and Quartz never runs two executions
/// of one job at once, so a slow poll delays the next instead of overlapping it.
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
        await poller.PollAsync(source, ignoreBackoff: manual, cancellationToken);
    }
}
