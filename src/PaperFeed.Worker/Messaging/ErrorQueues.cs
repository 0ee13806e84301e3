using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PaperFeed.Worker.Messaging;

/// <summary>A message in an error queue, with why it got there (MassTransit's fault headers).</summary>
public sealed record FailedMessage(
    string Queue, string? MessageId, string? MessageType, DateTimeOffset? FaultedAt, string? ExceptionType, string? Reason);

/// <summary>
/// The error queues of PaperFeed's consumers on RabbitMQ (<c>&lt;queue&gt;_error</c>, where MassTransit moves a
/// message that failed all its tries): lists what is there and why, and moves messages back to their queue once
/// the cause is fixed. Messages are read without being acknowledged, so a listing takes nothing away.
/// </summary>
public sealed class ErrorQueues(Uri broker)
{
    /// <summary>PaperFeed's consumer queues.</summary>
    public static readonly IReadOnlyList<string> Queues = ["ingest-papers", "match-papers", "deliver-notification", "poll-requested"];

    public const string Suffix = "_error";

    /// <summary>Failed messages of <paramref name="queue"/> (or of every PaperFeed queue), oldest first.</summary>
    public async Task<IReadOnlyList<FailedMessage>> ListAsync(string? queue, CancellationToken cancellationToken)
    {
        var found = new List<FailedMessage>();
        await using var connection = await ConnectAsync(cancellationToken);
        foreach (var name in QueuesFor(queue))
        {
            // A fresh channel per queue: asking for a queue that does not exist closes the channel.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await ReadAsync(channel, name, cancellationToken, (message, _) =>
            {
                found.Add(message);
                return Task.CompletedTask;
            });
        }

        return found;
    }

    /// <summary>
    /// Moves the failed messages of <paramref name="queue"/> (only <paramref name="messageId"/>, when given) back to
    /// the queue, without their fault headers; returns how many moved. Each is published with a broker confirm
    /// before it is taken off the error queue, so a crash in between leaves a copy in both rather than none.
    /// </summary>
    public async Task<int> RedriveAsync(string queue, string? messageId, CancellationToken cancellationToken)
    {
        var name = QueuesFor(queue).Single();
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var moved = 0;
        await ReadAsync(channel, name, cancellationToken, async (message, result) =>
        {
            if (messageId is not null && message.MessageId != messageId)
            {
                return;
            }

            var properties = new BasicProperties(result.BasicProperties);
            properties.Headers = result.BasicProperties.Headers?
                .Where(h => !h.Key.StartsWith("MT-Fault-", StringComparison.Ordinal) && h.Key is not "MT-Reason" and not "MT-Redelivery-Count")
                .ToDictionary(h => h.Key, h => h.Value);
            await channel.BasicPublishAsync("", name, mandatory: true, properties, result.Body, cancellationToken);
            await channel.BasicAckAsync(result.DeliveryTag, multiple: false, cancellationToken);
            moved++;
        });
        return moved;
    }

    private static IEnumerable<string> QueuesFor(string? queue)
    {
        if (queue is null)
        {
            return Queues;
        }

        var name = queue.EndsWith(Suffix, StringComparison.Ordinal) ? queue[..^Suffix.Length] : queue;
        return string.IsNullOrWhiteSpace(name)
            ? throw new ArgumentException($"'{queue}' is not a queue name (e.g. {Queues[0]})")
            : [name];
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await new ConnectionFactory { Uri = broker, ClientProvidedName = "paperfeed-errors" }.CreateConnectionAsync(cancellationToken);
        }
        catch (BrokerUnreachableException ex)
        {
            throw new InvalidOperationException($"cannot reach RabbitMQ at {broker.Host}:{broker.Port}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
    }

    /// <summary>
    /// Gets every message that is in <c>&lt;queue&gt;_error</c> now, unacknowledged, and hands each to
    /// <paramref name="each"/>; those it does not acknowledge go back when the channel closes, in their order.
    /// </summary>
    private static async Task ReadAsync(IChannel channel, string queue, CancellationToken cancellationToken, Func<FailedMessage, BasicGetResult, Task> each)
    {
        var errors = queue + Suffix;
        uint count;
        try
        {
            count = (await channel.QueueDeclarePassiveAsync(errors, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return; // no message of this queue ever failed
        }

        for (var i = 0; i < count; i++)
        {
            var result = await channel.BasicGetAsync(errors, autoAck: false, cancellationToken);
            if (result is null)
            {
                break;
            }

            await each(Describe(queue, result), result);
        }
    }

    /// <summary>The first message type of a MassTransit JSON envelope (<c>urn:message:Namespace:Type</c> → <c>Type</c>).</summary>
    private static string? MessageType(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var envelope = System.Text.Json.JsonDocument.Parse(body);
            return envelope.RootElement.TryGetProperty("messageType", out var types) && types.ValueKind == System.Text.Json.JsonValueKind.Array && types.GetArrayLength() > 0
                ? types[0].GetString()?.Split(':')[^1]
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static FailedMessage Describe(string queue, BasicGetResult result)
    {
        var headers = result.BasicProperties.Headers;
        string? Header(string name) => headers?.TryGetValue(name, out var value) == true
            ? value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                null => null,
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            }
            : null;

        var exception = Header("MT-Fault-ExceptionType");
        var message = Header("MT-Fault-Message");
        return new FailedMessage(
            queue,
            result.BasicProperties.MessageId,
            MessageType(result.Body) ?? result.BasicProperties.Type,
            DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null,
            exception,
            message ?? Header("MT-Reason"));
    }
}
