using System.Net;
using System.Net.Sockets;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Cli;

namespace PaperFeed.IntegrationTests.Cli;

/// <summary>The container health check: <c>health &lt;url&gt;</c> exits 0 only when the endpoint answers 2xx.</summary>
public sealed class HealthCommandTests : WorkerTestBase
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    [Fact]
    public async Task ARunningWorkerIsHealthyAndAMissingOneIsNot()
    {
        await using var worker = await StartWorkerAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        Assert.Equal(0, await PaperFeedCli.RunAsync(["health", new Uri(worker.Api.BaseAddress!, "/health/live").AbsoluteUri]));
        Assert.Equal(1, await PaperFeedCli.RunAsync(["health", new Uri(worker.Api.BaseAddress!, "/no-such-endpoint").AbsoluteUri]));
        Assert.Equal(1, await PaperFeedCli.RunAsync(["health", $"http://127.0.0.1:{closedPort}/health/live"]));
        Assert.Equal(2, await PaperFeedCli.RunAsync(["health", "not a url"]));
    }
}
