using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using PaperFeed.Worker.Storage;
using PaperFeed.Worker.Storage.Mongo;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>
/// Start-up against a MongoDB that is not there (a closed port on the loopback interface): needs no server, so it
/// runs everywhere, and shows the one-line "cannot reach" failure that a misconfigured deployment sees.
/// </summary>
public sealed class MongoStartupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InitializingWithoutAServerFailsWithCannotReachAndNoPassword()
    {
        var port = ClosedPort();
        using var context = new MongoDatabaseContext(MongoStoreSettings.Parse(
            $"mongodb://admin:s3cret-pw@127.0.0.1:{port}/paperfeed", serverSelectionTimeout: TimeSpan.FromSeconds(1)));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => context.InitializeAsync(Ct));

        Assert.StartsWith($"cannot reach MongoDB at 127.0.0.1:{port}: no server was selectable within 1 s", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.IsType<TimeoutException>(e.InnerException);
        TestContext.Current.TestOutputHelper?.WriteLine(e.Message);
    }

    [Fact]
    public async Task AHostWithStoreMongoAndNoServerFailsToStart()
    {
        var port = ClosedPort();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaperFeed:Store"] = "Mongo",
            ["ConnectionStrings:Mongo"] = $"mongodb://127.0.0.1:{port}/paperfeed?serverSelectionTimeoutMS=1000",
        });
        builder.Services.AddPaperFeedStorage(builder.Configuration);
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.StartsWith($"cannot reach MongoDB at 127.0.0.1:{port}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheStoreHealthCheckNamesTheUnreachableMongo()
    {
        var port = ClosedPort();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaperFeed:Store"] = "Mongo",
            ["ConnectionStrings:Mongo"] = $"mongodb://admin:s3cret-pw@127.0.0.1:{port}/papers?serverSelectionTimeoutMS=1000",
        });
        builder.Services.AddPaperFeedStorage(builder.Configuration);
        using var host = builder.Build(); // not started: the health check runs against a store that never initialized

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        var store = report.Entries["store"];
        Assert.Equal(HealthStatus.Unhealthy, store.Status);
        Assert.StartsWith($"MongoDB 127.0.0.1:{port}/papers: cannot reach MongoDB at 127.0.0.1:{port}", store.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", store.Description, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
