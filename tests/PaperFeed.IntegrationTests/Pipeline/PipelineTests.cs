using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Api;
using static PaperFeed.IntegrationTests.Infrastructure.TestFeeds;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>
/// The whole flow on a real worker: feed over loopback HTTP → poll → PaperDiscovered → ingest into a SQLite
/// file → PaperAdded counted by a test consumer. Runs once per transport.
/// </summary>
public abstract class PipelineTests : WorkerTestBase
{
    [Fact]
    public async Task PollStoresNewPapersAndPollingAgainAnnouncesNothing()
    {
        Server.Serve("/listing", Rss(
            new Item("oai:arXiv.org:2405.00001v1", "Sparse attention at scale", "https://arxiv.org/abs/2405.00001"),
            new Item("oai:arXiv.org:2405.00002v1", "Retrieval for long contexts", "https://arxiv.org/abs/2405.00002")));
        await using var worker = await StartWorkerAsync("/listing");

        var first = await worker.PollAsync("listing");
        Assert.Equal(2, first.LastPaperCount);
        await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2405.00001", "arxiv:2405.00001");
        await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2405.00002", "arxiv:2405.00002");

        var second = await worker.PollAsync("listing");
        Assert.Equal(2, second.LastPaperCount);
        await worker.DrainAsync();

        Assert.Equal(1, worker.Announcements.Count("arxiv:2405.00001"));
        Assert.Equal(1, worker.Announcements.Count("arxiv:2405.00002"));
        var papers = await worker.GetAsync<PaperListResponse>("/api/papers?source=listing");
        Assert.Equal(["arxiv:2405.00001", "arxiv:2405.00002"], papers!.Items.Select(p => p.Id).Order());
        Assert.All(papers.Items, p => Assert.Single(p.Sightings));
    }

    [Theory]
    [InlineData("etag")]
    [InlineData("last-modified")]
    public async Task NotModifiedResponseDoesNoWork(string validator)
    {
        var feed = Rss(new Item("a-1", "Graph networks for proteins", "https://example.org/papers/1"));
        if (validator == "etag")
        {
            Server.Serve("/etagged", feed, etag: "\"v1\"");
        }
        else
        {
            Server.Serve("/etagged", feed, lastModified: new DateTimeOffset(2024, 5, 20, 12, 0, 0, TimeSpan.Zero));
        }

        await using var worker = await StartWorkerAsync("/etagged");

        await worker.PollAsync("etagged");
        var added = await worker.Announcements.WaitForAsync(a => a.Paper.Title == "Graph networks for proteins", "the etagged paper");
        var stored = await worker.GetAsync<PaperResponse>($"/api/papers/{added.PaperId}");

        var second = await worker.PollAsync("etagged");
        await worker.DrainAsync();

        Assert.Equal(1, Server.NotModifiedAnswers("/etagged"));
        Assert.Equal(0, second.LastPaperCount);
        Assert.Equal(1, worker.Announcements.Count(added.PaperId));
        var after = await worker.GetAsync<PaperResponse>($"/api/papers/{added.PaperId}");
        Assert.Equal(stored!.Sightings.Single().LastSeenAt, after!.Sightings.Single().LastSeenAt);
    }

    [Fact]
    public async Task SameDiscoveryDeliveredFiveTimesIsStoredAndAnnouncedOnce()
    {
        await using var worker = await StartWorkerAsync();
        var message = new PaperDiscovered(
            "direct",
            new DiscoveredPaper { ExternalId = "x-5", Title = "Five deliveries", ArxivId = "2405.05555v1" },
            DateTimeOffset.UtcNow);
        var bus = worker.Services.GetRequiredService<IBus>();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => bus.Publish(message, TestContext.Current.CancellationToken)));
        await worker.DrainAsync();

        Assert.Equal(1, worker.Announcements.Count("arxiv:2405.05555"));
        var paper = await worker.GetAsync<PaperResponse>("/api/papers/2405.05555v1");
        Assert.Equal("Five deliveries", paper!.Title);
        Assert.Single(paper.Sightings);
    }

    [Fact]
    public async Task PaperSeenThroughTwoSourcesIsOnePaperWithTwoSightings()
    {
        Server.Serve("/by-link", Rss(new Item("item-1", "Scaling laws for retrieval", "https://arxiv.org/abs/2405.12345v2")));
        Server.Serve("/by-doi", Rss(new Item("urn:x:77", "Scaling Laws for Retrieval", "https://journal.example.org/77", Doi: "10.48550/arXiv.2405.12345")));
        await using var worker = await StartWorkerAsync("/by-link", "/by-doi");

        await worker.PollAsync("by-link");
        await worker.PollAsync("by-doi");
        await worker.DrainAsync();

        Assert.Equal(1, worker.Announcements.Count("arxiv:2405.12345"));
        var byDoi = await worker.GetAsync<PaperResponse>("/api/papers/10.48550/arXiv.2405.12345");
        Assert.Equal("arxiv:2405.12345", byDoi!.Id);
        Assert.Equal(["by-doi", "by-link"], byDoi.Sightings.Select(s => s.Source).Order());
        var all = await worker.GetAsync<PaperListResponse>("/api/papers");
        Assert.Single(all!.Items, p => p.Id == "arxiv:2405.12345");
    }

    [Fact]
    public async Task StoredPaperWhoseAnnouncementWasLostIsAnnouncedOnRedelivery()
    {
        await using var worker = await StartWorkerAsync();
        var message = new PaperDiscovered(
            "direct",
            new DiscoveredPaper { ExternalId = "lost-1", Title = "Lost announcement", ArxivId = "2405.06666v1" },
            DateTimeOffset.UtcNow);

        // As if the worker stored the batch and died before publishing: stored, never marked announced.
        var stored = await worker.Services.GetRequiredService<PaperFeed.Worker.Papers.IPaperStore>()
            .UpsertAsync([message], TestContext.Current.CancellationToken);
        Assert.Equal(PaperFeed.Worker.Papers.UpsertOutcome.Added, stored.Single().Outcome);

        await worker.Services.GetRequiredService<IBus>().Publish(message, TestContext.Current.CancellationToken);
        var announced = await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2405.06666", "the re-announced paper");

        Assert.Equal("added", announced.Kind);
        await worker.Services.GetRequiredService<IBus>().Publish(message, TestContext.Current.CancellationToken);
        await worker.DrainAsync();
        Assert.Equal(1, worker.Announcements.Count("arxiv:2405.06666"));
    }

    [Fact]
    public async Task ScheduledPollStoresPapersWithoutBeingAsked()
    {
        Server.Serve("/scheduled", Rss(new Item("sch-1", "Scheduled arrival", "https://arxiv.org/abs/2405.07777v1")));

        // An interval schedule fires once at start, then every interval.
        await using var worker = await StartWorkerAsync(new Dictionary<string, string?> { ["PaperFeed:Sources:0:Schedule"] = "1h" }, "/scheduled");

        await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2405.07777", "the scheduled poll's paper");
        var paper = await worker.GetAsync<PaperResponse>("/api/papers/arxiv:2405.07777");
        Assert.Equal("scheduled", paper!.Sightings.Single().Source);
        Assert.Equal(1, Server.Requests("/scheduled"));
        var source = await worker.SourceAsync("scheduled");
        Assert.InRange(source.NextPollAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(61));
    }

    [Fact]
    public async Task PollsOfOneSourceNeverOverlap()
    {
        Server.Serve("/slow", Rss(new Item("s-1", "Slow listing", "https://example.org/s-1")), delay: TimeSpan.FromMilliseconds(400));
        await using var worker = await StartWorkerAsync("/slow");

        // Three requests for a poll while the first is still running: Quartz queues them one after the other.
        for (var i = 0; i < 3; i++)
        {
            using var response = await worker.Api.PostAsync("/api/sources/slow/poll", null, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }

        await Eventually.ValueAsync(() => Task.FromResult(Server.Requests("/slow")), n => n == 3, "three polls of /slow");
        Assert.Equal(1, Server.MaxConcurrentRequests);
    }
}

public sealed class InMemoryPipelineTests : PipelineTests
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });
}

public sealed class RabbitMqPipelineTests(RabbitMqFixture broker) : PipelineTests
{
    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        var vhost = await broker.CreateVirtualHostAsync("pipeline");
        return new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = vhost,
        };
    }
}
