namespace PaperFeed.Worker.Messaging;

/// <summary>The RabbitMQ.Client timeouts PaperFeed sets instead of the client's defaults.</summary>
public static class RabbitMqTimeouts
{
    /// <summary>
    /// The AMQP heartbeat PaperFeed asks for, unless the connection string names one (<c>?heartbeat=30</c>).
    /// </summary>
    /// <remarks>
    /// Heartbeats are how RabbitMQ.Client notices a connection that no longer carries anything and that nothing
    /// closed: a broker behind a network partition or a dropped VPN, a frozen VM. The client ends a connection once
    /// three checks, one per interval, found no frame, and MassTransit, told of it then, reconnects. With the client's
    /// default of 60 s that takes 3–4 minutes, during which that connection consumes nothing; at 10 s it takes
    /// 30–40 s. RabbitMQ's guidance puts sensible values at 5–20 s.
    /// </remarks>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long RabbitMQ.Client waits for the answer to a request (declare, bind, consume, cancel, channel close) and
    /// for the connection handshake before it gives up: 5 s instead of its 20 s. A healthy broker answers in
    /// milliseconds; a connection that is gone without the client knowing it never answers. Shorter waits made the
    /// race after a broker restart that leaves channels on a dead connection rare (README, Guarantees), and stopping a
    /// bus with channels on one waits this long for each request (<see cref="PublishStallWatchdog"/>).
    /// </summary>
    public static readonly TimeSpan Continuation = TimeSpan.FromSeconds(5);

    /// <summary>Whether the amqp:// URI asks for a heartbeat of its own (MassTransit reads <c>heartbeat=</c>).</summary>
    public static bool HeartbeatIsSetIn(Uri broker) =>
        broker.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Any(pair => pair.Split('=', 2)[0].Equals("heartbeat", StringComparison.OrdinalIgnoreCase));
}
