using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Papers;

namespace PaperFeed.IntegrationTests.Pipeline;

/// <summary>
/// A deployment split by role (<c>PaperFeed:Roles</c>) on one broker and one store: an API process, a poller, and
/// a process that ingests and notifies. Each does only its part, and together they do the whole.
/// </summary>
public sealed class RolesTests(RabbitMqFixture broker) : SharedBrokerTestBase(broker, "roles")
{
    private readonly string _secret = WebhookSignature.GenerateSecret();

    private Task<WorkerHost> StartAsync(string roles) => StartWorkerAsync(
        new Dictionary<string, string?> { ["PaperFeed:Roles"] = roles, ["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32" },
        "/split");

    private static bool Runs<TConsumer>(WorkerHost worker)
        where TConsumer : class
    {
        using var scope = worker.Services.CreateScope();
        return scope.ServiceProvider.GetService<TConsumer>() is not null;
    }

    [Fact]
    public async Task APollRequestedThroughTheApiProcessIsPolledStoredAndSentByTheOthers()
    {
        Server.Serve("/split", TestFeeds.Rss(new TestFeeds.Item("https://arxiv.org/abs/2411.08001", "Sparse attention, split")));
        await using var receiver = await WebhookReceiver.StartAsync(_secret);
        await using var api = await StartAsync("api");
        await using var poller = await StartAsync("poller");
        await using var worker = await StartAsync("ingest,notify");
        var subscription = await TestSubscriptions.WebhookAsync(worker, receiver.Url("/hook"), _secret, ["\"sparse attention\""]);

        using var response = await api.Api.PostAsync("/api/sources/split/poll", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await receiver.WaitForAsync(1, Eventually.Timeout);
        var paper = await Eventually.ValueAsync(
            () => api.Api.GetAsync("/api/papers/arxiv:2411.08001", TestContext.Current.CancellationToken),
            r => r.StatusCode == HttpStatusCode.OK,
            "the paper, read through the API process");

        Assert.Equal(1, Server.Requests("/split"));
        Assert.Equal(subscription.Id, JsonDocument.Parse(Assert.Single(receiver.Received).BodyText).RootElement.GetProperty("data").GetProperty("subscription_id").GetString());
        Assert.Equal("Sparse attention, split", JsonDocument.Parse(await paper.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("title").GetString());

        // Only the processes with the role consume its messages and serve its endpoints.
        Assert.False(Runs<IngestPapersConsumer>(api) || Runs<IngestPapersConsumer>(poller));
        Assert.False(Runs<MatchPapersConsumer>(api) || Runs<MatchPapersConsumer>(poller));
        Assert.True(Runs<IngestPapersConsumer>(worker) && Runs<MatchPapersConsumer>(worker) && Runs<DeliverNotificationConsumer>(worker));
        using var notServed = await poller.Api.GetAsync("/api/sources", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, notServed.StatusCode);
        var ready = await poller.GetAsync<JsonElement>("/health/ready");
        Assert.Equal("poller", ready.GetProperty("roles").GetString());
    }
}
