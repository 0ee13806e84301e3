using System.Text.Json;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Messaging;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>
/// What the broker sees of a worker's connection: the heartbeat it negotiated. RabbitMQ.Client's default (60 s)
/// let a silent connection go unnoticed for 3–4 minutes; ChaosTests' partition and broker-restart scenarios show the
/// behaviour, these show the setting reaching the broker.
/// </summary>
public sealed class BrokerConnectionTests(RabbitMqFixture broker) : WorkerTestBase
{
    private string _query = "";
    private string _vhost = "";

    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        _vhost = await broker.CreateVirtualHostAsync("connection");
        return new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = _vhost + _query,
        };
    }

    [Fact]
    public async Task AWorkerNegotiatesTheDefaultHeartbeat()
    {
        await using var worker = await StartWorkerAsync();

        var heartbeats = await HeartbeatsAsync();

        Assert.All(heartbeats, seconds => Assert.Equal(RabbitMqTimeouts.Heartbeat.TotalSeconds, seconds));
    }

    [Fact]
    public async Task AHeartbeatNamedInTheConnectionStringIsKept()
    {
        _query = "?heartbeat=25";
        await using var worker = await StartWorkerAsync();

        var heartbeats = await HeartbeatsAsync();

        Assert.All(heartbeats, seconds => Assert.Equal(25, seconds));
    }

    /// <summary>The negotiated heartbeat of each connection to the test's virtual host, once the broker lists one.</summary>
    private async Task<double[]> HeartbeatsAsync()
    {
        var connections = await Eventually.ValueAsync(() => broker.ConnectionsAsync(_vhost), c => c.Count > 0, "the broker to list the worker's connection");
        return [.. connections.Select(c => c.GetProperty("timeout").GetDouble())];
    }
}
