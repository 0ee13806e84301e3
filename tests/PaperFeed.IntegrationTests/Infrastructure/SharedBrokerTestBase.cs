namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// Every worker a test starts shares one RabbitMQ virtual host (and, as always, one SQLite file): a scaled-out
/// deployment in one process. Skipped, saying why, where no broker is available.
/// </summary>
public abstract class SharedBrokerTestBase(RabbitMqFixture broker, string hint) : WorkerTestBase
{
    private Dictionary<string, string?>? _transport;

    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        _transport ??= new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = await broker.CreateVirtualHostAsync(hint),
        };
        return new Dictionary<string, string?>(_transport);
    }
}
