using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Api;

namespace PaperFeed.IntegrationTests.Api;

/// <summary>The HTTP API over a worker holding a few known papers.</summary>
public sealed class ApiTests : WorkerTestBase
{
    private static readonly DateTimeOffset Day = new(2024, 5, 20, 0, 0, 0, TimeSpan.Zero);

    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });

    private async Task<WorkerHost> StartWithPapersAsync()
    {
        var worker = await StartWorkerAsync();
        DiscoveredPaper[] papers =
        [
            new() { ExternalId = "p1", Title = "Dense retrieval with late interaction", ArxivId = "2405.10001v1", PublishedAt = Day.AddDays(1), Authors = ["Omar Khattab"] },
            new() { ExternalId = "p2", Title = "Protein folding at scale", ArxivId = "2405.10002v2", PublishedAt = Day.AddDays(2), Authors = ["Ada Lovelace"] },
            new() { ExternalId = "p3", Title = "Sparse mixtures of experts", Doi = "10.1000/MOE.3", PublishedAt = Day.AddDays(3), Authors = ["Noam Shazeer"] },
            new() { ExternalId = "p4", Title = "Graph transformers", ArxivId = "hep-th/9901001", PublishedAt = Day.AddDays(4), Authors = ["Grace Hopper"] },
            new() { ExternalId = "p5", Title = "Tokenizer-free language models", ArxivId = "2405.10005", PublishedAt = Day.AddDays(5), Authors = ["Alan Turing"] },
        ];
        var bus = worker.Services.GetRequiredService<IBus>();
        foreach (var paper in papers)
        {
            await bus.Publish(new PaperDiscovered(paper.ExternalId == "p2" ? "other" : "seed", paper, DateTimeOffset.UtcNow), TestContext.Current.CancellationToken);
        }

        foreach (var paper in papers)
        {
            await worker.Announcements.WaitForAsync(a => a.Paper.Title == paper.Title, paper.Title);
        }

        return worker;
    }

    [Fact]
    public async Task PapersPageNewestFirstThroughTheCursor()
    {
        await using var worker = await StartWithPapersAsync();

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await worker.GetAsync<PaperListResponse>($"/api/papers?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.InRange(page!.Items.Count, 1, 2);
            seen.AddRange(page.Items.Select(p => p.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["arxiv:2405.10005", "arxiv:hep-th/9901001", "doi:10.1000/moe.3", "arxiv:2405.10002", "arxiv:2405.10001"], seen);
    }

    [Fact]
    public async Task PapersFilterByTextSourceAndDate()
    {
        await using var worker = await StartWithPapersAsync();

        var retrieval = await worker.GetAsync<PaperListResponse>("/api/papers?q=retrieval");
        var other = await worker.GetAsync<PaperListResponse>("/api/papers?source=other");
        var recent = await worker.GetAsync<PaperListResponse>("/api/papers?since=2024-05-24");
        var hostile = await worker.GetAsync<PaperListResponse>("/api/papers?q=%22%3B%20DROP%20TABLE%20papers%3B%20--%20AND%20OR%20NOT%20*");

        Assert.Equal(["arxiv:2405.10001"], retrieval!.Items.Select(p => p.Id));
        Assert.Equal(["arxiv:2405.10002"], other!.Items.Select(p => p.Id));
        Assert.Equal(["arxiv:2405.10005", "arxiv:hep-th/9901001"], recent!.Items.Select(p => p.Id));
        Assert.Empty(hostile!.Items);
        Assert.Equal(5, (await worker.GetAsync<PaperListResponse>("/api/papers"))!.Items.Count);
    }

    [Theory]
    [InlineData("arxiv:2405.10002", "arxiv:2405.10002")]
    [InlineData("2405.10002v7", "arxiv:2405.10002")]
    [InlineData("arXiv:2405.10002", "arxiv:2405.10002")]
    [InlineData("10.48550/arXiv.2405.10002", "arxiv:2405.10002")]
    [InlineData("hep-th/9901001v2", "arxiv:hep-th/9901001")]
    [InlineData("doi:10.1000/moe.3", "doi:10.1000/moe.3")]
    [InlineData("10.1000/MOE.3", "doi:10.1000/moe.3")]
    public async Task PaperResolvesFromAnyIdentifier(string id, string expected)
    {
        await using var worker = await StartWithPapersAsync();

        var paper = await worker.GetAsync<PaperResponse>($"/api/papers/{id}");

        Assert.Equal(expected, paper!.Id);
    }

    [Theory]
    [InlineData("/api/papers?limit=0", 400, "limit")]
    [InlineData("/api/papers?limit=500", 400, "limit")]
    [InlineData("/api/papers?since=yesterday-ish", 400, "since")]
    [InlineData("/api/papers?cursor=not-a-cursor", 400, "cursor")]
    [InlineData("/api/papers/not%20an%20id", 400, "not a paper identifier")]
    [InlineData("/api/papers/2405.99999", 404, "arxiv:2405.99999")]
    public async Task BadRequestsGetAProblemThatSaysWhy(string path, int status, string detail)
    {
        await using var worker = await StartWithPapersAsync();

        using var response = await worker.Api.GetAsync(path, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PollingAnUnknownSourceIsNotFound()
    {
        await using var worker = await StartWorkerAsync();

        using var response = await worker.Api.PostAsync("/api/sources/nope/poll", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task MisconfiguredSourceIsListedWithItsErrorAndOthersRun()
    {
        Server.Serve("/fine", TestFeeds.Rss(new TestFeeds.Item("f-1", "Fine paper", "https://example.org/f-1")));
        await using var configured = await StartWorkerAsync(
            new Dictionary<string, string?>
            {
                ["PaperFeed:Sources:1:Name"] = "broken",
                ["PaperFeed:Sources:1:Type"] = "gopher",
                ["PaperFeed:Sources:1:Url"] = "ftp://example.org/feed",
                ["PaperFeed:Sources:1:Schedule"] = "whenever",
            },
            "/fine");

        var broken = await configured.SourceAsync("broken");
        Assert.Contains("unknown source type 'gopher'", broken.ConfigError, StringComparison.Ordinal);
        Assert.Contains("not an absolute http(s) URL", broken.ConfigError, StringComparison.Ordinal);
        Assert.Contains("Schedule 'whenever'", broken.ConfigError, StringComparison.Ordinal);
        Assert.Null(broken.NextPollAt);
        using var refused = await configured.Api.PostAsync("/api/sources/broken/poll", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        var fine = await configured.PollAsync("fine");
        Assert.Equal(1, fine.LastPaperCount);
    }

    [Fact]
    public async Task HealthAndOpenApiAreServed()
    {
        await using var worker = await StartWorkerAsync();

        var ready = await worker.GetAsync<JsonElement>("/health/ready");
        using var live = await worker.Api.GetAsync("/health/live", TestContext.Current.CancellationToken);
        var openApi = await worker.GetAsync<JsonElement>("/openapi/v1.json");

        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        var store = ready.GetProperty("checks").GetProperty("store");
        Assert.Equal("Healthy", store.GetProperty("status").GetString());
        Assert.Matches("^SQLite .*paperfeed\\.db answers$", store.GetProperty("description").GetString());
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("masstransit-bus").GetProperty("status").GetString());
        Assert.Equal("all", ready.GetProperty("roles").GetString());
        Assert.Contains($"/{Environment.ProcessId}/", ready.GetProperty("worker").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/papers", paths);
        Assert.Contains("/api/sources/{name}/poll", paths);
    }
}
