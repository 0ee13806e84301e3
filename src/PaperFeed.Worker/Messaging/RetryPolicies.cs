using MassTransit;
using PaperFeed.Worker.Storage;

namespace PaperFeed.Worker.Messaging;

public static class RetryPolicies
{
    /// <summary>Tries of a message that fails for another reason than the store, before it goes to the error queue.</summary>
    public const int PoisonTries = 5;

    /// <summary>The longest pause between tries while the store is unavailable.</summary>
    public static readonly TimeSpan OutageRetryMax = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Consumers that write to the store. While the store is unavailable (<see cref="StoreFaults.IsTransient"/>) a
    /// message is retried in memory without limit, with pauses growing to <see cref="OutageRetryMax"/>: it stays
    /// unacknowledged on the broker (so a crash redelivers it) and never lands in the error queue for that. Any other
    /// failure is tried <see cref="PoisonTries"/> times, then the message goes to <c>&lt;queue&gt;_error</c> with the
    /// exception in its headers (see <c>errors list</c> and <c>errors redrive</c>), and the queue flows on.
    /// </summary>
    public static void UseStoreRetry(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        var observer = new RetryLogger(context.GetRequiredService<ILogger<RetryLogger>>(), endpoint.InputAddress.Segments[^1]);
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<Exception>(StoreFaults.IsTransient);
            r.Exponential(int.MaxValue, TimeSpan.FromMilliseconds(100), OutageRetryMax, TimeSpan.FromMilliseconds(500));
            r.ConnectRetryObserver(observer);
        });
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<Exception>(StoreFaults.IsTransient);
            r.Exponential(PoisonTries - 1, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500));
            r.ConnectRetryObserver(observer);
        });
    }
}

/// <summary>One warning per retry, naming the queue, the try and the reason: an outage is visible in the logs as it happens.</summary>
public sealed class RetryLogger(ILogger<RetryLogger> logger, string queue) : IRetryObserver
{
    public Task PostCreate<T>(RetryPolicyContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task PostFault<T>(RetryContext<T> context)
        where T : class, PipeContext
    {
        logger.LogWarning(
            "{Queue}: try {Try} failed, retrying in {Delay}: {Error}",
            queue, context.RetryAttempt, context.Delay, context.Exception.Message);
        return Task.CompletedTask;
    }

    public Task PreRetry<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task RetryFault<T>(RetryContext<T> context)
        where T : class, PipeContext
    {
        logger.LogError(
            "{Queue}: gave up after {Tries} tries, the message goes to the error queue: {Error}",
            queue, context.RetryCount + 1, context.Exception.Message);
        return Task.CompletedTask;
    }

    public Task RetryComplete<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;
}
