using System.Text.RegularExpressions;
using PaperFeed.Testing;

namespace PaperFeed.Tests.Deployment;

/// <summary>
/// What can be checked of the deployment files without Docker or systemd: the paths they name exist, and they
/// wire the production shape (RabbitMQ, a MongoDB replica set, a mail catcher, two workers).
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static string Read(string path) => File.ReadAllText(Path.Combine(RepoPaths.Root, path));

    [Fact]
    public void EveryPathTheDockerfileCopiesExists()
    {
        var sources = CopyLine().Matches(Read("docker/Dockerfile"))
            .Where(m => !m.Value.Contains("--from", StringComparison.Ordinal))
            .SelectMany(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, s => Assert.True(
            File.Exists(Path.Combine(RepoPaths.Root, s)) || Directory.Exists(Path.Combine(RepoPaths.Root, s)),
            $"docker/Dockerfile copies {s}, which is not in the repository"));
    }

    [Fact]
    public void TheDockerfileRunsAsNonRootWithAHealthCheck()
    {
        var dockerfile = Read("docker/Dockerfile");

        Assert.Contains("USER $APP_UID", dockerfile, StringComparison.Ordinal);
        Assert.Contains("HEALTHCHECK", dockerfile, StringComparison.Ordinal);
        Assert.Contains("\"health\"", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"PaperFeed.Worker.dll\"]", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeRunsTwoWorkersOnRabbitMqMongoAndAMailCatcher()
    {
        var compose = Read("docker/compose.yaml");

        foreach (var service in new[] { "rabbitmq", "mongo", "mailpit", "worker-1", "worker-2" })
        {
            Assert.Matches(new Regex($"^  {Regex.Escape(service)}:", RegexOptions.Multiline), compose);
        }

        Assert.Contains("PaperFeed__Transport: RabbitMq", compose, StringComparison.Ordinal);
        Assert.Contains("PaperFeed__Store: Mongo", compose, StringComparison.Ordinal);
        Assert.Contains("replicaSet=rs0", compose, StringComparison.Ordinal);
        Assert.Contains("--replSet", compose, StringComparison.Ordinal);
        Assert.Contains("dockerfile: docker/Dockerfile", compose, StringComparison.Ordinal);
        Assert.DoesNotContain('\t', compose);
    }

    [Fact]
    public void TheSystemdUnitNotifiesAndStopsGracefully()
    {
        var unit = Read("deploy/paperfeed.service");

        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);
        Assert.Contains("KillSignal=SIGTERM", unit, StringComparison.Ordinal);
        var stop = int.Parse(StopTimeout().Match(unit).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(stop > 45, "systemd must wait longer than the host's 45 s shutdown timeout");
    }

    [GeneratedRegex(@"^COPY (?<args>.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();

    [GeneratedRegex(@"^TimeoutStopSec=(\d+)$", RegexOptions.Multiline)]
    private static partial Regex StopTimeout();
}
