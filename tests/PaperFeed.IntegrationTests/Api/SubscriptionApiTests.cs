using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Api;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Api;

/// <summary>/api/subscriptions, its deliveries, and the confirm and unsubscribe links, over a real worker.</summary>
public sealed class SubscriptionApiTests : WorkerTestBase
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "InMemory",
            ["PaperFeed:Smtp:Host"] = "127.0.0.1",
            ["PaperFeed:Smtp:Port"] = "9", // nothing listens: confirmation mails stay pending for retry
        });

    private static async Task<HttpResponseMessage> PostJsonAsync(WorkerHost worker, string path, string json) =>
        await worker.Api.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    private static async Task<SubscriptionResponse> CreateAsync(WorkerHost worker, string json)
    {
        var response = await PostJsonAsync(worker, "/api/subscriptions", json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<SubscriptionResponse>(WorkerHost.Json, Ct))!;
    }

    private static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    private const string WebhookJson = """
        {"name": "LLM papers", "channel": {"type": "webhook", "url": "https://hooks.example.org/paperfeed", "format": "slack"},
         "filter": {"keywords": ["large language model", "LLM"], "categories": ["cs.CL"], "minUpvotes": 5},
         "mode": "daily", "sendAt": "07:30", "timeZone": "Europe/Berlin"}
        """;

    [Fact]
    public async Task AWebhookSubscriptionGetsItsSecretOnceAndIsActive()
    {
        await using var worker = await StartWorkerAsync();

        var created = await CreateAsync(worker, WebhookJson);
        var read = await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{created.Id}");
        var listed = await worker.GetAsync<List<SubscriptionResponse>>("/api/subscriptions");

        Assert.StartsWith("sub_", created.Id, StringComparison.Ordinal);
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        Assert.Equal("active", created.Status);
        Assert.Equal("slack", created.Channel.Format);
        Assert.Equal(new ScheduleResponse("daily", "07:30", "Europe/Berlin", "monday"), created.Schedule);
        Assert.Equal(["large language model", "LLM"], created.Filter.Keywords);
        Assert.Null(read!.Secret);
        Assert.Null(Assert.Single(listed!).Secret);
        Assert.Equal(created.Id, read.Id);
    }

    [Fact]
    public async Task AnEmailSubscriptionIsPendingWithAConfirmationDeliveryUntilConfirmed()
    {
        await using var worker = await StartWorkerAsync();

        var created = await CreateAsync(worker, """{"channel": {"type": "email", "address": "ada@example.org"}, "filter": {"authors": ["Yann LeCun"]}}""");

        Assert.Equal("pending", created.Status);
        Assert.Null(created.Secret);
        var deliveries = await worker.GetAsync<List<DeliveryResponse>>($"/api/subscriptions/{created.Id}/deliveries");
        Assert.Equal("subscription.confirm", Assert.Single(deliveries!).Event);

        var resume = await worker.Api.PatchAsJsonAsync($"/api/subscriptions/{created.Id}", new { status = "active" }, Ct);
        Assert.Contains("confirmed", await ProblemAsync(resume, HttpStatusCode.Conflict), StringComparison.Ordinal);

        var link = await worker.Services.GetRequiredService<SubscriptionTokens>().LinkAsync(created.Id, TokenPurpose.Confirm, Ct);
        var page = await worker.Api.GetAsync(link.PathAndQuery, Ct);
        Assert.Contains("<form method=\"post\">", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("pending", (await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{created.Id}"))!.Status);

        var confirmed = await worker.Api.PostAsync(link.PathAndQuery, null, Ct);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var read = await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{created.Id}");
        Assert.Equal("active", read!.Status);
        Assert.NotNull(read.ConfirmedAt);
    }

    [Fact]
    public async Task OneClickUnsubscribeNeedsAValidTokenAndAPost()
    {
        await using var worker = await StartWorkerAsync();
        var created = await CreateAsync(worker, WebhookJson);
        var tokens = worker.Services.GetRequiredService<SubscriptionTokens>();
        var link = await tokens.LinkAsync(created.Id, TokenPurpose.Unsubscribe, Ct);
        var other = await CreateAsync(worker, WebhookJson);
        var confirmToken = await tokens.CreateAsync(created.Id, TokenPurpose.Confirm, Ct);
        var forged = (await tokens.CreateAsync(other.Id, TokenPurpose.Unsubscribe, Ct)).Replace(other.Id, created.Id, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await worker.Api.PostAsync($"/unsubscribe?token={Uri.EscapeDataString(forged)}", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await worker.Api.PostAsync($"/unsubscribe?token={Uri.EscapeDataString(confirmToken)}", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await worker.Api.PostAsync("/unsubscribe", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await worker.Api.GetAsync(link.PathAndQuery, Ct)).StatusCode);
        Assert.Equal("active", (await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{created.Id}"))!.Status);

        // RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the List-Unsubscribe URL.
        var oneClick = await worker.Api.PostAsync(
            link.PathAndQuery, new FormUrlEncodedContent([new KeyValuePair<string, string>("List-Unsubscribe", "One-Click")]), Ct);

        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Equal("unsubscribed", (await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{created.Id}"))!.Status);
        Assert.Equal("active", (await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{other.Id}"))!.Status);
        var resume = await worker.Api.PatchAsJsonAsync($"/api/subscriptions/{created.Id}", new { status = "active" }, Ct);
        Assert.Contains("unsubscribed", await ProblemAsync(resume, HttpStatusCode.Conflict), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"filter": {"keywords": ["x"]}}""", "channel is required")]
    [InlineData("""{"channel": {"type": "pigeon"}, "filter": {"keywords": ["x"]}}""", "channel.type 'pigeon' is not one of webhook, email")]
    [InlineData("""{"channel": {"type": "webhook"}, "filter": {"keywords": ["x"]}}""", "channel.url is required for a webhook")]
    [InlineData("""{"channel": {"type": "webhook", "url": "ftp://example.org/x"}, "filter": {"keywords": ["x"]}}""", "channel.url:")]
    [InlineData("""{"channel": {"type": "webhook", "url": "https://example.org/x", "format": "teams"}, "filter": {"keywords": ["x"]}}""", "channel.format 'teams' is not one of standard, slack, discord")]
    [InlineData("""{"channel": {"type": "email", "address": "not an address"}, "filter": {"keywords": ["x"]}}""", "channel.address 'not an address' is not an e-mail address")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}}""", "filter needs at least one of")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}, "filter": {"keywords": ["x"]}, "mode": "hourly"}""", "mode 'hourly' is not one of instant, daily, weekly")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}, "filter": {"keywords": ["x"]}, "sendAt": "25:00"}""", "sendAt '25:00' is not a time of day")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}, "filter": {"keywords": ["x"]}, "timeZone": "Mars/Olympus_Mons"}""", "timeZone 'Mars/Olympus_Mons' is not an IANA time zone")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}, "filter": {"keywords": ["x"]}, "timeZone": "../../etc/passwd"}""", "is not an IANA time zone")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}, "filter": {"keywords": ["x"]}, "day": "funday"}""", "day 'funday' is not a day of the week")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}, "filter": {"keywords": ["x"]}, "day": "3"}""", "day '3' is not a day of the week")]
    public async Task AnInvalidSubscriptionIsRefusedWithAPreciseMessageAndNothingStored(string json, string message)
    {
        await using var worker = await StartWorkerAsync();

        var body = await ProblemAsync(await PostJsonAsync(worker, "/api/subscriptions", json), HttpStatusCode.BadRequest);

        Assert.Contains(message, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await worker.GetAsync<List<SubscriptionResponse>>("/api/subscriptions"))!);
    }

    [Theory]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}, "filter": {"keywords": ["x"]}, "admin": true}""")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org"}, "filter": {"keywords": ["x"], "regex": ".*"}}""")]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org",""")]
    [InlineData("""[]""")]
    public async Task MalformedJsonAndUnknownFieldsAreRefused(string json)
    {
        await using var worker = await StartWorkerAsync();

        await ProblemAsync(await PostJsonAsync(worker, "/api/subscriptions", json), HttpStatusCode.BadRequest);

        Assert.Empty((await worker.GetAsync<List<SubscriptionResponse>>("/api/subscriptions"))!);
    }

    [Fact]
    public async Task PatchEditsPausesAndResumes()
    {
        await using var worker = await StartWorkerAsync();
        var created = await CreateAsync(worker, WebhookJson);

        var paused = await worker.Api.PatchAsJsonAsync($"/api/subscriptions/{created.Id}", new { status = "paused", filter = new { keywords = new[] { "diffusion" } } }, Ct);
        var afterPause = await paused.Content.ReadFromJsonAsync<SubscriptionResponse>(WorkerHost.Json, Ct);
        var resumed = await (await worker.Api.PatchAsJsonAsync($"/api/subscriptions/{created.Id}", new { status = "active", mode = "weekly", day = "friday" }, Ct))
            .Content.ReadFromJsonAsync<SubscriptionResponse>(WorkerHost.Json, Ct);
        var bad = await worker.Api.PatchAsJsonAsync($"/api/subscriptions/{created.Id}", new { status = "deleted" }, Ct);

        Assert.Equal("paused", afterPause!.Status);
        Assert.Equal("paused by its owner", afterPause.PausedReason);
        Assert.Equal(["diffusion"], afterPause.Filter.Keywords);
        Assert.Equal("active", resumed!.Status);
        Assert.Null(resumed.PausedReason);
        Assert.Equal("weekly", resumed.Schedule.Mode);
        Assert.Equal("friday", resumed.Schedule.Day);
        Assert.Equal(["diffusion"], resumed.Filter.Keywords);
        Assert.Contains("status 'deleted' is not one of paused, active", await ProblemAsync(bad, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteRemovesAndUnknownIdsAre404()
    {
        await using var worker = await StartWorkerAsync();
        var created = await CreateAsync(worker, WebhookJson);

        Assert.Equal(HttpStatusCode.NoContent, (await worker.Api.DeleteAsync($"/api/subscriptions/{created.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await worker.Api.DeleteAsync($"/api/subscriptions/{created.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await worker.Api.GetAsync($"/api/subscriptions/{created.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await worker.Api.GetAsync($"/api/subscriptions/{created.Id}/deliveries", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await worker.Api.PatchAsJsonAsync($"/api/subscriptions/{created.Id}", new { name = "x" }, Ct)).StatusCode);
    }

    [Fact]
    public async Task AFailedDeliveryIsReplayedUnderItsIdWithAttemptsFromZero()
    {
        await using var worker = await StartWorkerAsync();
        var created = await CreateAsync(worker, """{"channel": {"type": "email", "address": "ada@example.org"}, "filter": {"keywords": ["x"]}}""");
        var store = worker.Services.GetRequiredService<IDeliveryStore>();
        var confirmation = Assert.Single((await worker.GetAsync<List<DeliveryResponse>>($"/api/subscriptions/{created.Id}/deliveries"))!);

        // Nothing listens on the SMTP port: the first attempt fails and waits for its retry.
        var failed = await Eventually.ValueAsync(() => store.GetAsync(confirmation.Id, Ct), d => d!.State == DeliveryState.Failed, "the confirmation attempt to fail");
        Assert.NotNull(failed!.LastError);
        var response = await worker.Api.PostAsync($"/api/subscriptions/{created.Id}/deliveries/{confirmation.Id}/replay", null, Ct);
        var replayed = await response.Content.ReadFromJsonAsync<DeliveryResponse>(WorkerHost.Json, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(confirmation.Id, replayed!.Id);
        Assert.Equal(0, replayed.Attempts);
        var retried = await Eventually.ValueAsync(
            () => store.GetAsync(confirmation.Id, Ct), d => d!.State == DeliveryState.Failed && d.LastAttemptAt > failed.LastAttemptAt, "the replayed attempt");
        Assert.Equal(1, retried!.Attempts);
        Assert.Equal(HttpStatusCode.NotFound, (await worker.Api.PostAsync($"/api/subscriptions/{created.Id}/deliveries/dlv_nope/replay", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await worker.Api.PostAsync($"/api/subscriptions/sub_other/deliveries/{confirmation.Id}/replay", null, Ct)).StatusCode);
    }
}
