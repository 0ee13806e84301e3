using System.Diagnostics;
using PaperFeed.IntegrationTests.Infrastructure;

namespace PaperFeed.ChaosTests.Harness;

/// <summary>
/// Stops and starts the RabbitMQ application of the local node (<c>rabbitmqctl stop_app</c> / <c>start_app</c>):
/// the broker goes away for every client and comes back with its durable queues, as after a broker restart. Only
/// where the run says a local broker may be restarted (<c>PAPERFEED_TEST_RABBITMQ_CONTROL=rabbitmqctl</c>), the
/// broker is on this machine and <c>rabbitmqctl</c> is there; a test that needs it is skipped, saying why, elsewhere.
/// Disposing starts the application again if a test left it stopped.
/// </summary>
public sealed class BrokerControl : IAsyncDisposable
{
    public const string Variable = "PAPERFEED_TEST_RABBITMQ_CONTROL";

    private static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(90);

    private readonly string _rabbitmqctl;

    private BrokerControl(string rabbitmqctl) => _rabbitmqctl = rabbitmqctl;

    /// <summary>True between a stop and the following start.</summary>
    public bool Stopped { get; private set; }

    /// <summary>A control for the fixture's broker, or a skip of the calling test with the reason there is none.</summary>
    public static BrokerControl ForLocalBroker(RabbitMqFixture broker)
    {
        broker.SkipIfUnavailable();
        var mode = Environment.GetEnvironmentVariable(Variable);
        if (!string.Equals(mode?.Trim(), "rabbitmqctl", StringComparison.Ordinal))
        {
            Assert.Skip($"restarting the broker is not allowed in this run: set {Variable}=rabbitmqctl where the broker is local " +
                "and may be restarted (.ci/run does)");
        }

        var host = broker.AmqpUri!.Host;
        if (host is not ("127.0.0.1" or "localhost" or "[::1]" or "::1"))
        {
            Assert.Skip($"the broker at {host} is not on this machine; rabbitmqctl can only restart a local node");
        }

        var rabbitmqctl = Find("rabbitmqctl");
        if (rabbitmqctl is null)
        {
            Assert.Skip("rabbitmqctl is not on PATH (nor in /usr/sbin, /usr/lib/rabbitmq/bin); it is needed to restart the broker");
        }

        return new BrokerControl(rabbitmqctl);
    }

    /// <summary>rabbitmqctl stop_app: the node stays, the broker closes every connection and refuses new ones.</summary>
    public async Task StopAppAsync()
    {
        Stopped = true;
        await RunAsync("stop_app");
    }

    /// <summary>rabbitmqctl start_app, then await_startup: returns once the broker accepts connections again.</summary>
    public async Task StartAppAsync()
    {
        await RunAsync("start_app");
        await RunAsync("await_startup");
        Stopped = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (Stopped)
        {
            // Whatever happened in the test, the broker is shared: it must run again.
            await StartAppAsync();
        }
    }

    private async Task RunAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo(_rabbitmqctl)
        {
            ArgumentList = { command },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"could not run {_rabbitmqctl}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandDeadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rabbitmqctl {command} did not finish within {CommandDeadline}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {command} failed ({process.ExitCode}): {(await error).Trim()} {(await output).Trim()}");
        }
    }

    private static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/lib/rabbitmq/bin"])
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);
    }
}
