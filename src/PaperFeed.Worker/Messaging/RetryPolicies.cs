using MassTransit;

namespace PaperFeed.Worker.Messaging;

public static class RetryPolicies
{
    /// <summary>
    /// Consumers that write to the store: a store hiccup or outage is retried in memory with growing pauses
    /// (about 12 s in all), then the message goes back to the queue; it never lands in _error for that.
    /// </summary>
    public static void UseStoreRetry(this IReceiveEndpointConfigurator endpoint) =>
        endpoint.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500)));
}
