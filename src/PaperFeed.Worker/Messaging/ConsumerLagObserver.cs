using MassTransit;
using PaperFeed.Worker.Hosting;

namespace PaperFeed.Worker.Messaging;

/// <summary>
/// Records how long each message waited between being sent and being consumed (<c>paperfeed_consumer_lag_seconds</c>,
/// per message type): the backlog of a queue, felt as time. A batch counts from its oldest message.
/// </summary>
public sealed class ConsumerLagObserver(PaperFeedMetrics metrics, TimeProvider clock) : IConsumeObserver
{
    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        // A Batch<T> is an IEnumerable<ConsumeContext<T>>, covariant to IEnumerable<ConsumeContext>.
        var sent = context.Message is IEnumerable<ConsumeContext> batch
            ? batch.Select(c => c.SentTime).Where(t => t.HasValue).Min()
            : context.SentTime;
        if (sent is { } at)
        {
            metrics.ConsumerLag(MessageName(typeof(T)), clock.GetUtcNow() - new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)));
        }

        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;

    /// <summary>The message type's name; a batch is named after its messages.</summary>
    internal static string MessageName(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Batch<>) ? type.GetGenericArguments()[0].Name : type.Name;
}
