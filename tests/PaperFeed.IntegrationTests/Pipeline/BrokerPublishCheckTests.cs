using System.Net;
using System.Text.Json;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Messaging;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>
/// /health/ready asks the broker to confirm a probe message: a worker that cannot publish says so, whatever
/// MassTransit's endpoints report, and says it is ready again once publishing works.
/// </summary>
public sealed class BrokerPublishCheckTests(RabbitMqFixture broker) : WorkerTestBase
{
    private PartitionProxy? _proxy;

    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        _proxy = PartitionProxy.Start(broker.AmqpUri!);
        return new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = _proxy.Route(await broker.CreateVirtualHostAsync("publish-check")),
        };
    }

    public override async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    [Fact]
    public async Task AWorkerThatCannotPublishIsNotReadyAndIsReadyAgainOnceItCan()
    {
        await using var worker = await StartWorkerAsync();
        var ready = await ReadinessAsync(worker);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (ready.Status, ready.Check));
        Assert.StartsWith("the broker confirmed a probe message", ready.Description, StringComparison.Ordinal);

        _proxy!.Partition();
        var cut = await Eventually.ValueAsync(() => ReadinessAsync(worker), r => r.Check == "Unhealthy", "the publish check to fail");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, cut.Status);
        Assert.StartsWith($"the broker did not confirm a probe message within {BrokerPublishCheck.Timeout.TotalSeconds:0} s", cut.Description, StringComparison.Ordinal);

        _proxy.Heal();
        var healed = await Eventually.ValueAsync(() => ReadinessAsync(worker), r => r.Status == HttpStatusCode.OK, "/health/ready to recover");

        Assert.Equal("Healthy", healed.Check);
    }

    private static async Task<(HttpStatusCode Status, string? Check, string? Description)> ReadinessAsync(WorkerHost worker)
    {
        using var response = await worker.Api.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var check = body.RootElement.GetProperty("checks").GetProperty(BrokerPublishCheck.Name);
        return (response.StatusCode, check.GetProperty("status").GetString(), check.GetProperty("description").GetString());
    }
}
