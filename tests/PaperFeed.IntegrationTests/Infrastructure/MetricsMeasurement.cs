namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that read PaperFeed's meters through /metrics. OpenTelemetry listens to meters by name, process-wide, so a
/// worker host in the test process also exports the gauges of every other host running beside it: these tests run
/// alone, after the parallel ones. (A deployed worker is one host per process.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsMeasurement
{
    public const string Name = "metrics measurement";
}
