using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Cli;
using static PaperFeed.IntegrationTests.Infrastructure.TestFeeds;

namespace PaperFeed.IntegrationTests.Cli;

/// <summary><c>source test</c> reads a real feed over loopback HTTP and prints JSON Lines; errors go to stderr with a non-zero exit.</summary>
public sealed class SourceTestCommandTests : IAsyncLifetime
{
    private FeedServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FeedServer.StartAsync();
        _server.Serve("/feed.xml", Rss(
            new Item("g-1", "Über Netze: a study", "https://arxiv.org/abs/2405.10001v3"),
            new Item("g-2", "Second paper", "https://example.org/2", Doi: "https://doi.org/10.1000/XYZ.2")));
        _server.Fail("/missing.xml", 404);
        _server.Serve("/broken.xml", Encoding.UTF8.GetBytes("<rss><channel><item>"));
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task PrintsOnePaperPerLineAsJson()
    {
        var (code, stdout, stderr) = await RunAsync("feed", _server.Url("/feed.xml").AbsoluteUri);

        Assert.Equal(0, code);
        var papers = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<DiscoveredPaper>(line, SourceTestCommand.JsonLines)!)
            .ToList();
        Assert.Equal(["g-1", "g-2"], papers.Select(p => p.ExternalId));
        Assert.Equal("Über Netze: a study", papers[0].Title);
        Assert.Equal("https://arxiv.org/abs/2405.10001v3", papers[0].ArxivId);
        Assert.Equal("10.1000/xyz.2", papers[1].Doi);
        Assert.Contains("2 papers", stderr, StringComparison.Ordinal);
        Assert.Contains("Über", stdout, StringComparison.Ordinal); // UTF-8 text, not \u escapes
    }

    [Theory]
    [InlineData("/missing.xml", "HTTP 404")]
    [InlineData("/broken.xml", "feed:")]
    public async Task UnreadableSourceExitsNonZeroWithTheReasonOnStderr(string path, string reason)
    {
        var (code, stdout, stderr) = await RunAsync("feed", _server.Url(path).AbsoluteUri);

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("cannot read the source", stderr, StringComparison.Ordinal);
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gopher", "http://127.0.0.1/", "unknown source type 'gopher'")]
    [InlineData("feed", "file:///etc/passwd", "not an absolute http(s) URL")]
    public async Task BadArgumentsExitWithUsageError(string type, string url, string message)
    {
        var (code, stdout, stderr) = await RunAsync(type, url);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheExecutableRunsTheCommand()
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "PaperFeed.Worker.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { worker, "source", "test", "feed", _server.Url("/feed.xml").AbsoluteUri },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, await stderr);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.StartsWith("{", line, StringComparison.Ordinal));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string type, string url)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await SourceTestCommand.TestAsync(type, url, [], stdout, stderr, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
