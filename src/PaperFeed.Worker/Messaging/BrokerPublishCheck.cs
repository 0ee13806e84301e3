using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PaperFeed.Worker.Messaging;

/// <summary>
/// Readiness that publishing works: a <see cref="BrokerProbe"/> is published through the bus and must be confirmed by
/// the broker within <see cref="Timeout"/>. MassTransit's own check says whether its endpoints are connected; this one
/// catches a worker whose consumers reconnected but whose publishing did not (README, Guarantees), which would
/// otherwise report ready while every poll fails; <see cref="PublishStallWatchdog"/> restarts the bus in that case.
/// A result is kept for <see cref="KeepFor"/>, so polling /health/ready does not publish on every request.
/// </summary>
public sealed class BrokerPublishCheck(IBrokerPublishProbe probe, TimeProvider time) : IHealthCheck, IDisposable
{
    public const string Name = "broker-publish";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _one = new(1, 1);
    private (DateTimeOffset At, HealthCheckResult Result)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_last is { } last && now - last.At < KeepFor)
            {
                return last.Result;
            }

            var outcome = await probe.ThroughBusAsync(Timeout, cancellationToken);
            var result = outcome.Confirmed
                ? HealthCheckResult.Healthy($"the broker confirmed a probe message in {outcome.Took.TotalMilliseconds:0} ms")
                : HealthCheckResult.Unhealthy($"{outcome.Failure}: publishing (polls, announcements) is not getting through");
            _last = (now, result);
            return result;
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _one.Dispose();
}
