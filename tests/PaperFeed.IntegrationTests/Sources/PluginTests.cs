using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Testing;
using PaperFeed.Worker.Api;
using PaperFeed.Worker.Sources.Plugins;
using static PaperFeed.IntegrationTests.Infrastructure.TestFeeds;

namespace PaperFeed.IntegrationTests.Sources;

/// <summary>
/// Plug-ins are loaded from the plug-ins folder and polled like built-in sources; a plug-in (or any source)
/// that fails to load, throws, hangs or returns garbage affects nothing but itself.
/// </summary>
public sealed class PluginTests : WorkerTestBase
{
    private readonly string _plugins = Directory.CreateTempSubdirectory("paperfeed-plugins-").FullName;

    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory", ["PaperFeed:Plugins:Path"] = _plugins });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_plugins, recursive: true);
    }

    /// <summary>The example plug-in as its build wrote it (the test project builds it first), copied into a plug-ins folder.</summary>
    private void InstallCrossrefPlugin()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
        var output = Path.Combine(RepoPaths.Root, "plugins", "PaperFeed.Plugins.Crossref", "bin", configuration, "net10.0");
        var target = Directory.CreateDirectory(Path.Combine(_plugins, "crossref")).FullName;
        foreach (var file in Directory.EnumerateFiles(output))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }

    [Fact]
    public async Task PluginFromThePluginsFolderIsPolledLikeABuiltInSource()
    {
        InstallCrossrefPlugin();
        Server.Serve("/works", Encoding.UTF8.GetBytes("""
            {"status":"ok","message-type":"work-list","message-version":"1.0.0","message":{"total-results":1,"items":[
              {"DOI":"10.5555/PaperFeed.1","title":["Plug-ins for paper feeds"],"author":[{"given":"Ada","family":"Lovelace"}],
               "abstract":"<jats:p>Sources can be <jats:italic>plugged</jats:italic> in.</jats:p>",
               "published":{"date-parts":[[2026,3,1]]},"indexed":{"date-time":"2026-03-02T10:00:00Z","timestamp":1772445600000},
               "URL":"https://doi.org/10.5555/paperfeed.1"}]}}
            """), "application/json");
        await using var worker = await StartWorkerAsync(new Dictionary<string, string?>
        {
            ["PaperFeed:Sources:0:Name"] = "crossref-plugins",
            ["PaperFeed:Sources:0:Type"] = "crossref",
            ["PaperFeed:Sources:0:Url"] = Server.Url("/works").AbsoluteUri,
            ["PaperFeed:Sources:0:Schedule"] = Never,
            ["PaperFeed:Sources:0:Query"] = "paper feeds",
        });

        var polled = await worker.PollAsync("crossref-plugins");

        Assert.Null(polled.ConfigError);
        Assert.Null(polled.LastError);
        Assert.Equal(1, polled.LastPaperCount);
        Assert.Contains(Server.RequestLog, r => r.StartsWith("/works?query=paper%20feeds", StringComparison.Ordinal));
        await worker.Announcements.WaitForAsync(a => a.PaperId == "doi:10.5555/paperfeed.1", "the plug-in's paper");
        var paper = await worker.GetAsync<PaperResponse>("/api/papers/doi:10.5555/PaperFeed.1");
        Assert.Equal("Sources can be plugged in.", paper!.Abstract);
        Assert.Equal(["Ada Lovelace"], paper.Authors);
    }

    [Fact]
    public async Task SourceTestCommandRunsAPlugin()
    {
        InstallCrossrefPlugin();
        Server.Serve("/works", Encoding.UTF8.GetBytes("""
            {"status":"ok","message-type":"work-list","message":{"items":[
              {"DOI":"10.5555/cli.1","title":["Tested from the command line"],"indexed":{"date-time":"2026-03-02T10:00:00Z"}}]}}
            """), "application/json");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "PaperFeed.Worker.dll"), "source", "test", "crossref", Server.Url("/works").AbsoluteUri, "-o", "Query=cli" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["PaperFeed__Plugins__Path"] = _plugins },
        };

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, await stderr);
        var paper = System.Text.Json.JsonSerializer.Deserialize<DiscoveredPaper>((await stdout).Trim(), PaperFeed.Worker.Cli.SourceTestCommand.JsonLines)!;
        Assert.Equal("10.5555/cli.1", paper.Doi);
        Assert.Equal("Tested from the command line", paper.Title);
    }

    [Fact]
    public async Task UnloadablePluginIsReportedAndTheWorkerRunsOn()
    {
        await File.WriteAllBytesAsync(Path.Combine(_plugins, "Broken.dll"), Encoding.UTF8.GetBytes("not an assembly"), TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(_plugins, "empty"));
        Server.Serve("/feed", Rss(new Item("ok-1", "Still running", "https://example.org/ok-1")));
        await using var worker = await StartWorkerAsync("/feed");

        var catalog = worker.Services.GetRequiredService<PluginCatalog>();
        var polled = await worker.PollAsync("feed");

        Assert.Empty(catalog.Sources);
        Assert.Contains(catalog.Errors, e => e.Contains("Broken.dll", StringComparison.Ordinal) && e.Contains("cannot load", StringComparison.Ordinal));
        Assert.Equal(1, polled.LastPaperCount);
    }

    [Fact]
    public async Task SourceThatThrowsHangsOrReturnsGarbageFailsAlone()
    {
        Server.Serve("/feed", Rss(new Item("good-1", "A good paper", "https://arxiv.org/abs/2405.08888v1")));
        var settings = new Dictionary<string, string?> { ["PaperFeed:Polling:PollTimeout"] = "00:00:01" };
        string[] misbehaving = ["throws", "hangs", "garbage"];
        for (var i = 0; i < misbehaving.Length; i++)
        {
            settings[$"PaperFeed:Sources:{i + 1}:Name"] = misbehaving[i];
            settings[$"PaperFeed:Sources:{i + 1}:Type"] = misbehaving[i];
            settings[$"PaperFeed:Sources:{i + 1}:Schedule"] = Never;
        }

        await using var worker = await StartWorkerAsync(
            settings,
            services => services
                .AddSingleton<IPaperSource, ThrowingSource>()
                .AddSingleton<IPaperSource, HangingSource>()
                .AddSingleton<IPaperSource, GarbageSource>(),
            "/feed");

        var threw = await worker.PollAsync("throws");
        var hung = await worker.PollAsync("hangs");
        var garbage = await worker.PollAsync("garbage");
        var good = await worker.PollAsync("feed");

        Assert.Contains("InvalidOperationException: plug-in bug", threw.LastError, StringComparison.Ordinal);
        Assert.Contains("took longer than", hung.LastError, StringComparison.Ordinal);
        Assert.Null(garbage.LastError);
        Assert.Equal(2, garbage.LastPaperCount);
        Assert.Equal(1, good.LastPaperCount);
        await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2405.08888", "the good source's paper");
        await worker.Announcements.WaitForAsync(a => a.Paper.Title == "Garbage with nulls", "the garbage source's usable paper");
        await worker.DrainAsync();
    }

    private sealed class ThrowingSource : IPaperSource
    {
        public string Type => "throws";

        public Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("plug-in bug");
    }

    private sealed class HangingSource : IPaperSource
    {
        public string Type => "hangs";

        // Ignores its cancellation token on purpose.
        public Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken) =>
            new TaskCompletionSource<FetchResult>().Task;
    }

    private sealed class GarbageSource : IPaperSource
    {
        public string Type => "garbage";

        public Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken) =>
            Task.FromResult(new FetchResult(
                [
                    null!,
                    new DiscoveredPaper { ExternalId = "", Title = "no id" },
                    new DiscoveredPaper { ExternalId = "no-title", Title = "  " },
                    new DiscoveredPaper { ExternalId = "g-1", Title = "Garbage with nulls", Authors = null!, Categories = [null!, ""], Links = null!, Metrics = null!, Keywords = null! },
                    new DiscoveredPaper { ExternalId = "g-2", Title = new string('x', 10_000) },
                ],
                null));
    }
}
