using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PaperFeed.Worker.Messaging;

/// <summary>
/// A message published only to see the broker confirm it (nothing consumes it; an exchange without bindings drops it).
/// </summary>
public sealed record BrokerProbe(string Worker, DateTimeOffset At);

/// <summary>
/// Readiness that publishing works: a <see cref="BrokerProbe"/> is published and must be confirmed by the broker within
/// <see cref="Timeout"/>. MassTransit's own check says whether its endpoints are connected; this one catches a worker
/// whose consumers reconnected but whose publishing did not (README, Guarantees, "Not covered"), which would otherwise
/// report ready while every poll fails. A result is kept for <see cref="KeepFor"/>, so polling /health/ready does not
/// publish on every request.
/// </summary>
public sealed class BrokerPublishCheck(IBus bus, Hosting.WorkerInstance worker, TimeProvider time) : IHealthCheck, IDisposable
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

            var result = await ProbeAsync(now, cancellationToken);
            _last = (now, result);
            return result;
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _one.Dispose();

    private async Task<HealthCheckResult> ProbeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await bus.Publish(new BrokerProbe(worker.Id, now), timeout.Token);
            var took = time.GetUtcNow() - now;
            return HealthCheckResult.Healthy($"the broker confirmed a probe message in {took.TotalMilliseconds:0} ms");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(
                $"the broker did not confirm a probe message within {Timeout.TotalSeconds:0} s: publishing (polls, announcements) is not getting through; " +
                "if this lasts while the broker is up, restart this worker");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"publishing a probe message failed: {e.GetType().Name}: {e.Message}", e);
        }
    }
}
