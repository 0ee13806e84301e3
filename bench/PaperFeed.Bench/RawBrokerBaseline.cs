using System.Diagnostics;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace PaperFeed.Bench;

/// <summary>
/// What the broker alone manages for the two hops the PaperFeed pipeline makes, with RabbitMQ.Client and no
/// MassTransit: N persistent, confirmed publishes to queue A; a consumer on A that republishes each message (confirmed)
/// to queue B and then acknowledges it; a consumer on B that acknowledges. The ceiling to compare the pipeline with.
/// </summary>
public static class RawBrokerBaseline
{
    // The client's default limiter allows 128 outstanding confirms and starts delaying publishes at half of that,
    // which would measure the limiter rather than the broker.
    private const int OutstandingConfirms = 1_000;
    private const ushort Prefetch = 500;

    /// <summary>Messages per second from the first publish to A until the last message is consumed from B.</summary>
    public static async Task<double> MeasureAsync(string amqpUri, int messages, int payloadBytes, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(messages);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);

        var factory = new ConnectionFactory { Uri = new Uri(amqpUri), ClientProvidedName = "paperfeed-raw-baseline" };
        await using var connection = await factory.CreateConnectionAsync(ct);

        var run = Guid.NewGuid().ToString("N")[..12];
        var queueA = $"paperfeed-rawbench-{run}-a";
        var queueB = $"paperfeed-rawbench-{run}-b";

        await using (var setup = await connection.CreateChannelAsync(cancellationToken: ct))
        {
            await setup.QueueDeclareAsync(queueA, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
            await setup.QueueDeclareAsync(queueB, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        }

        try
        {
            return await RunAsync(connection, queueA, queueB, messages, payloadBytes, ct);
        }
        finally
        {
            // A fresh channel: the measuring ones may have been closed by a failure.
            await using var cleanup = await connection.CreateChannelAsync(cancellationToken: CancellationToken.None);
            await cleanup.QueueDeleteAsync(queueA, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None);
            await cleanup.QueueDeleteAsync(queueB, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None);
        }
    }

    private static async Task<double> RunAsync(IConnection connection, string queueA, string queueB, int messages, int payloadBytes, CancellationToken ct)
    {
        var payload = new byte[payloadBytes];
        Random.Shared.NextBytes(payload);
        var persistent = new BasicProperties { Persistent = true };
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using var limiterA = OutstandingLimiter();
        using var limiterB = OutstandingLimiter();
        await using var publishA = await connection.CreateChannelAsync(ConfirmingChannel(limiterA), ct);
        await using var publishB = await connection.CreateChannelAsync(ConfirmingChannel(limiterB), ct);
        await using var consumeA = await connection.CreateChannelAsync(cancellationToken: ct);
        await using var consumeB = await connection.CreateChannelAsync(cancellationToken: ct);
        await consumeA.BasicQosAsync(0, Prefetch, global: false, ct);
        await consumeB.BasicQosAsync(0, Prefetch, global: false, ct);

        // Hop 2, consumer on A: republish to B, and acknowledge A once B's copy is confirmed (at-least-once, as a
        // MassTransit consumer does). The handler only starts the publish; a single loop awaits the confirms in
        // delivery order and acks, so confirms overlap instead of costing one round trip per message, and neither
        // channel is used by two callers at once.
        var toAcknowledge = Channel.CreateUnbounded<(ulong DeliveryTag, Task Confirmed)>(
            new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var hopA = new AsyncEventingBasicConsumer(consumeA);
        hopA.ReceivedAsync += (_, delivery) =>
        {
            var confirmed = publishB.BasicPublishAsync("", queueB, mandatory: false, persistent, delivery.Body.ToArray(), ct).AsTask();
            toAcknowledge.Writer.TryWrite((delivery.DeliveryTag, confirmed));
            return Task.CompletedTask;
        };
        var acknowledging = Task.Run(async () =>
        {
            try
            {
                await foreach (var (deliveryTag, confirmed) in toAcknowledge.Reader.ReadAllAsync(ct))
                {
                    await confirmed;
                    await consumeA.BasicAckAsync(deliveryTag, multiple: false, ct);
                }
            }
            catch (Exception ex)
            {
                finished.TrySetException(ex);
            }
        }, ct);

        // Hop 3, consumer on B: acknowledge; the last one stops the clock.
        var consumedFromB = 0;
        var hopB = new AsyncEventingBasicConsumer(consumeB);
        hopB.ReceivedAsync += async (_, delivery) =>
        {
            await consumeB.BasicAckAsync(delivery.DeliveryTag, multiple: false, ct);
            if (Interlocked.Increment(ref consumedFromB) == messages)
            {
                finished.TrySetResult();
            }
        };

        await consumeA.BasicConsumeAsync(queueA, autoAck: false, hopA, ct);
        await consumeB.BasicConsumeAsync(queueB, autoAck: false, hopB, ct);

        // Hop 1: publish everything to A, keeping up to OutstandingConfirms unconfirmed (the limiter holds back the rest).
        var clock = Stopwatch.StartNew();
        var published = new List<Task>(messages);
        for (var i = 0; i < messages; i++)
        {
            published.Add(publishA.BasicPublishAsync("", queueA, mandatory: false, persistent, payload, ct).AsTask());
        }

        await Task.WhenAll(published);
        await finished.Task.WaitAsync(ct);
        clock.Stop();

        toAcknowledge.Writer.TryComplete();
        await acknowledging;
        return messages / clock.Elapsed.TotalSeconds;
    }

    private static ConcurrencyLimiter OutstandingLimiter() =>
        new(new ConcurrencyLimiterOptions
        {
            PermitLimit = OutstandingConfirms,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });

    private static CreateChannelOptions ConfirmingChannel(RateLimiter outstandingConfirms) =>
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: outstandingConfirms);
}
