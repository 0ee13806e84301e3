using System.Diagnostics;
using MassTransit;
using RabbitMQ.Client;

namespace PaperFeed.Worker.Messaging;

/// <summary>
/// A message published only to see the broker confirm it (nothing consumes it; an exchange without bindings drops it).
/// </summary>
public sealed record BrokerProbe(string Worker, DateTimeOffset At);

/// <summary>What a probe publish came to: confirmed by the broker, or why not.</summary>
public readonly record struct ProbeOutcome(bool Confirmed, TimeSpan Took, string? Failure)
{
    public static ProbeOutcome Ok(TimeSpan took) => new(true, took, null);

    public static ProbeOutcome Failed(TimeSpan took, string failure) => new(false, took, failure);
}

/// <summary>
/// Asks the broker to confirm a publish: through the bus, as polls and consumers publish, or on a connection of its
/// own. The two together tell a broker that takes no publishes from anyone (stopped, blocked by an alarm, cut off)
/// from a bus whose publishing alone is stuck.
/// </summary>
public interface IBrokerPublishProbe
{
    /// <summary>Publishes a <see cref="BrokerProbe"/> through the bus and waits for the broker's confirmation.</summary>
    Task<ProbeOutcome> ThroughBusAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Opens a new connection to the broker and publishes one confirmed message on it.</summary>
    Task<ProbeOutcome> OnNewConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

public sealed class BrokerPublishProbe(IBus bus, Hosting.WorkerInstance worker, TimeProvider time, Uri broker) : IBrokerPublishProbe
{
    /// <summary>The routing key of the new connection's probe: published to the default exchange, it reaches no queue.</summary>
    public const string RoutingKey = "paperfeed.broker-probe";

    public Task<ProbeOutcome> ThroughBusAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        TimedAsync(timeout, token => bus.Publish(new BrokerProbe(worker.Id, time.GetUtcNow()), token), cancellationToken);

    public Task<ProbeOutcome> OnNewConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        TimedAsync(timeout, async token =>
        {
            var factory = new ConnectionFactory
            {
                Uri = broker,
                ClientProvidedName = $"paperfeed-broker-probe-{worker.Id}",
                RequestedConnectionTimeout = timeout,
                AutomaticRecoveryEnabled = false,
                SocketFactory = RabbitMqSocket.Create,
            };
            await using var connection = await factory.CreateConnectionAsync(token);
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), token);
            // With confirmation tracking, the publish returns once the broker confirmed it (and throws if it refused it).
            await channel.BasicPublishAsync(string.Empty, RoutingKey, mandatory: false, body: ReadOnlyMemory<byte>.Empty, cancellationToken: token);
            await channel.CloseAsync(token);
            await connection.CloseAsync(token);
        }, cancellationToken);

    private async Task<ProbeOutcome> TimedAsync(TimeSpan timeout, Func<CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var publishing = Task.CompletedTask;
        try
        {
            // Not every wait in a publish heeds its token: MassTransit declares a channel's exchanges under the
            // channel's own token, so a probe that declares one on a silent connection waits for RabbitMQ.Client's
            // request timeout (RabbitMqTimeouts.Continuation). The probe answers at its own timeout and leaves that
            // publish behind.
            publishing = publish(limit.Token);
            await publishing.WaitAsync(timeout, cancellationToken);
            return ProbeOutcome.Ok(Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _ = publishing.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return ProbeOutcome.Failed(Stopwatch.GetElapsedTime(started), $"the broker did not confirm a probe message within {timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ProbeOutcome.Failed(Stopwatch.GetElapsedTime(started), $"publishing a probe message failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
