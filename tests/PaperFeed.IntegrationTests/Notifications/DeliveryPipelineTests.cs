using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Api;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Digest;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Notifications;

/// <summary>
/// From a discovered paper to a message in a real (loopback) mailbox: matching, delivery keys, the durable retry
/// schedule across a restart, and digests. The clock is a FakeTimeProvider shared by the worker and the test, so
/// schedules move when the test says, not after a sleep; the tests run the retry and digest jobs' work
/// themselves after moving the clock (as the jobs do every JobInterval), and one test lets the real jobs run.
/// </summary>
public abstract partial class DeliveryPipelineTests : WorkerTestBase
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private SmtpReceiver _smtp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public override async ValueTask DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task<WorkerHost> StartAsync(bool realClock = false, string retrySchedule = "00:00:05")
    {
        _smtp ??= await SmtpReceiver.StartAsync();
        return await StartWorkerAsync(
            new Dictionary<string, string?>
            {
                ["PaperFeed:Smtp:Host"] = _smtp.Host,
                ["PaperFeed:Smtp:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PaperFeed:Smtp:Security"] = "None",
                ["PaperFeed:Smtp:From"] = "alerts@paperfeed.test",
                ["PaperFeed:Deliveries:JobInterval"] = "00:00:00.100",
                ["PaperFeed:Deliveries:RetrySchedule:0"] = retrySchedule,
            },
            services =>
            {
                if (!realClock)
                {
                    services.AddSingleton<TimeProvider>(_clock);
                }
            });
    }

    private static T Job<T>(WorkerHost worker)
        where T : notnull => worker.Services.GetRequiredService<IServiceScopeFactory>().CreateScope().ServiceProvider.GetRequiredService<T>();

    /// <summary>Creates an e-mail subscription and follows the link in its confirmation mail.</summary>
    private async Task<string> SubscribeAsync(WorkerHost worker, string address, string json)
    {
        var response = await worker.Api.PostAsync("/api/subscriptions", JsonContent.Create(System.Text.Json.JsonDocument.Parse(json).RootElement), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var subscription = (await response.Content.ReadFromJsonAsync<SubscriptionResponse>(WorkerHost.Json, Ct))!;
        var mail = await _smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == address) && (m.Subject ?? "").Contains("Confirm", StringComparison.Ordinal), cancellationToken: Ct);
        Assert.Null(mail.Headers[HeaderId.ListUnsubscribe]);
        var link = new Uri(ConfirmLink().Match(mail.TextBody ?? "").Value);
        Assert.Equal(HttpStatusCode.OK, (await worker.Api.PostAsync(link.PathAndQuery, null, Ct)).StatusCode);
        Assert.Equal("active", (await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{subscription.Id}"))!.Status);
        return subscription.Id;
    }

    private static DiscoveredPaper Paper(string arxiv, string title, int upvotes = 0) => new()
    {
        ExternalId = arxiv,
        ArxivId = arxiv,
        Title = title,
        Abstract = $"We study {title.ToLowerInvariant()} in depth.",
        Authors = ["Ada Lovelace", "Alan Turing"],
        Categories = ["cs.CL"],
        PublishedAt = Start.AddHours(-3),
        Links = new PaperLinks { Abstract = $"https://arxiv.org/abs/{arxiv}", Pdf = $"https://arxiv.org/pdf/{arxiv}" },
        Metrics = new PaperMetrics { Upvotes = upvotes },
    };

    private static async Task PublishAsync(WorkerHost worker, string source, DiscoveredPaper paper) =>
        await worker.Services.GetRequiredService<IBus>().Publish(new PaperDiscovered(source, paper, DateTimeOffset.UtcNow), Ct);

    private static async Task<Delivery> AlertAsync(WorkerHost worker, string subscriptionId, string paperId, Func<Delivery, bool> condition, string what)
    {
        var store = worker.Services.GetRequiredService<IDeliveryStore>();
        var key = DeliveryKeys.Alert(subscriptionId, paperId, ChannelKind.Email);
        return (await Eventually.ValueAsync(
            async () => (await store.ListBySubscriptionAsync(subscriptionId, 100, null, Ct)).FirstOrDefault(d => d.Key == key),
            d => d is not null && condition(d),
            what))!;
    }

    [Fact]
    public async Task APaperSeenFromTwoSourcesAndAnnouncedFiveTimesIsMailedOnce()
    {
        await using var worker = await StartAsync();
        var subscription = await SubscribeAsync(worker, "ada@example.org", """{"channel": {"type": "email", "address": "ada@example.org"}, "filter": {"keywords": ["dense retrieval"]}}""");

        await PublishAsync(worker, "arxiv", Paper("2411.00001", "Dense retrieval at scale"));
        await PublishAsync(worker, "hf-daily", Paper("2411.00001", "Dense retrieval at scale", upvotes: 12));
        await PublishAsync(worker, "arxiv", Paper("2411.00002", "Protein folding"));
        var announced = await worker.Announcements.WaitForAsync(a => a.PaperId == "arxiv:2411.00001", "the paper's announcement");
        var bus = worker.Services.GetRequiredService<IBus>();
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => bus.Publish(new PaperAdded(announced.PaperId, announced.Paper), Ct)));

        var delivered = await AlertAsync(worker, subscription, "arxiv:2411.00001", d => d.State == DeliveryState.Delivered, "the alert to be delivered");
        await worker.DrainAsync();

        Assert.Equal(1, delivered.Attempts);
        var alerts = _smtp.Messages.Where(m => (m.Subject ?? "").Contains("Dense retrieval at scale", StringComparison.Ordinal)).ToList();
        var alert = Assert.Single(alerts);
        Assert.DoesNotContain(_smtp.Messages, m => (m.Subject ?? "").Contains("Protein", StringComparison.Ordinal));
        Assert.Equal($"{delivered.Id}@paperfeed.test", alert.MessageId);
        Assert.Contains("https://arxiv.org/abs/2411.00001", alert.HtmlBody ?? "", StringComparison.Ordinal);
        Assert.Contains("https://arxiv.org/pdf/2411.00001", alert.TextBody ?? "", StringComparison.Ordinal);
        Assert.Equal("List-Unsubscribe=One-Click", alert.Headers[HeaderId.ListUnsubscribePost]);

        // The one-click unsubscribe in the message works against this worker.
        var unsubscribe = new Uri(alert.Headers[HeaderId.ListUnsubscribe]!.Trim().Trim('<', '>'));
        var oneClick = await worker.Api.PostAsync(unsubscribe.PathAndQuery, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]), Ct);
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Equal("unsubscribed", (await worker.GetAsync<SubscriptionResponse>($"/api/subscriptions/{subscription}"))!.Status);
    }

    [Fact]
    public async Task ARestartInTheMiddleOfTheRetryScheduleContinuesIt()
    {
        string subscription;
        Delivery failed;
        await using (var first = await StartAsync())
        {
            subscription = await SubscribeAsync(first, "grace@example.org", """{"channel": {"type": "email", "address": "grace@example.org"}, "filter": {"categories": ["cs.CL"]}}""");
            _smtp.FailTemporarily(1);
            await PublishAsync(first, "arxiv", Paper("2411.00003", "Compilers for transformers"));
            failed = await AlertAsync(first, subscription, "arxiv:2411.00003", d => d.State == DeliveryState.Failed, "the first attempt to fail");
        }

        Assert.Equal(451, failed.LastStatusCode);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(5), failed.NextAttemptAt);
        var mailsBefore = _smtp.Count;

        await using var second = await StartAsync();
        var retrier = Job<DeliveryRetrier>(second);
        Assert.Equal(0, await retrier.RunOnceAsync(Ct)); // not due yet: the stored schedule holds across the restart
        Assert.Equal(DeliveryState.Failed, (await second.Services.GetRequiredService<IDeliveryStore>().GetAsync(failed.Id, Ct))!.State);

        _clock.Advance(TimeSpan.FromSeconds(5));
        await retrier.RunOnceAsync(Ct);
        var delivered = await AlertAsync(second, subscription, "arxiv:2411.00003", d => d.State == DeliveryState.Delivered, "the retry after the restart");

        Assert.Equal(2, delivered.Attempts);
        Assert.Equal(failed.Id, delivered.Id);
        await _smtp.WaitForCountAsync(mailsBefore + 1, cancellationToken: Ct);
        Assert.Single(_smtp.Messages, m => m.MessageId == $"{failed.Id}@paperfeed.test");
    }

    [Fact]
    public async Task ADailyDigestIsSentOncePerPeriodRankedAndNotBeforeItsTime()
    {
        await using var worker = await StartAsync();
        var subscription = await SubscribeAsync(
            worker, "alan@example.org",
            """{"channel": {"type": "email", "address": "alan@example.org"}, "filter": {"keywords": ["agents"]}, "mode": "daily", "sendAt": "08:00", "timeZone": "Europe/Lisbon"}""");
        await PublishAsync(worker, "hf-daily", Paper("2411.00010", "Agents that plan", upvotes: 3));
        await PublishAsync(worker, "hf-daily", Paper("2411.00011", "Agents that code", upvotes: 40));
        await PublishAsync(worker, "hf-daily", Paper("2411.00012", "Agents that read", upvotes: 9));
        var deliveries = worker.Services.GetRequiredService<IDeliveryStore>();
        await Eventually.ValueAsync(() => deliveries.ListDigestItemsAsync(subscription, DateTimeOffset.MaxValue, Ct), items => items.Count == 3, "three digest items");

        // 06:00 UTC = 06:00 in Lisbon: the latest period ended yesterday 08:00, before these papers matched.
        var builder = Job<DigestBuilder>(worker);
        Assert.Equal(0, await builder.RunOnceAsync(Ct));

        _clock.Advance(TimeSpan.FromHours(2)); // 08:00 in Lisbon
        await builder.RunOnceAsync(Ct);
        var digest = await _smtp.WaitForMessageAsync(m => (m.Subject ?? "").Contains("digest", StringComparison.OrdinalIgnoreCase), cancellationToken: Ct);
        Assert.Equal(0, await builder.RunOnceAsync(Ct)); // the job firing again changes nothing
        var stored = Assert.Single(await deliveries.ListBySubscriptionAsync(subscription, 10, null, Ct), d => d.Kind == DeliveryKind.Digest);
        await Eventually.ValueAsync(() => deliveries.GetAsync(stored.Id, Ct), d => d!.State == DeliveryState.Delivered, "the digest to be recorded as delivered");

        Assert.Equal(DeliveryKeys.Digest(subscription, "2026-11-27"), stored.Key);
        Assert.Equal(["arxiv:2411.00011", "arxiv:2411.00012", "arxiv:2411.00010"], stored.Papers.Select(p => p.Id));
        var text = digest.TextBody ?? "";
        Assert.True(
            text.IndexOf("Agents that code", StringComparison.Ordinal) < text.IndexOf("Agents that read", StringComparison.Ordinal)
            && text.IndexOf("Agents that read", StringComparison.Ordinal) < text.IndexOf("Agents that plan", StringComparison.Ordinal),
            text);
        Assert.Single(_smtp.Messages, m => (m.Subject ?? "").Contains("digest", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await deliveries.ListDigestItemsAsync(subscription, DateTimeOffset.MaxValue, Ct));

        // The next day with nothing new sends nothing.
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await builder.RunOnceAsync(Ct));
    }

    [Fact]
    public async Task DigestTimesMissedDuringDowntimeGiveOneDigestOfEverythingUnsentOnStart()
    {
        string subscription;
        await using (var before = await StartAsync())
        {
            subscription = await SubscribeAsync(
                before, "ada@example.org",
                """{"channel": {"type": "email", "address": "ada@example.org"}, "filter": {"keywords": ["agents"]}, "mode": "daily", "sendAt": "08:00", "timeZone": "Europe/Lisbon"}""");
            await PublishAsync(before, "hf-daily", Paper("2411.00020", "Agents that wait", upvotes: 5));
            await PublishAsync(before, "hf-daily", Paper("2411.00021", "Agents that sleep", upvotes: 50));
            await Eventually.ValueAsync(
                () => before.Services.GetRequiredService<IDeliveryStore>().ListDigestItemsAsync(subscription, DateTimeOffset.MaxValue, Ct),
                items => items.Count == 2,
                "two digest items");
        }

        // Down from 06:00 on the 27th until 09:00 on the 29th: three digest times (08:00 Lisbon) passed unseen.
        _clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(3));
        await using var after = await StartAsync();
        // The digest job of the new worker runs on its own too (every JobInterval): whoever builds it, there is one.
        var builder = Job<DigestBuilder>(after);
        await builder.RunOnceAsync(Ct);
        var digest = await _smtp.WaitForMessageAsync(m => (m.Subject ?? "").Contains("digest", StringComparison.OrdinalIgnoreCase), cancellationToken: Ct);
        var again = await builder.RunOnceAsync(Ct);

        Assert.Equal(0, again);
        var deliveries = after.Services.GetRequiredService<IDeliveryStore>();
        var stored = Assert.Single(await deliveries.ListBySubscriptionAsync(subscription, 10, null, Ct), d => d.Kind == DeliveryKind.Digest);
        Assert.Equal(DeliveryKeys.Digest(subscription, "2026-11-29"), stored.Key);
        Assert.Equal(["arxiv:2411.00021", "arxiv:2411.00020"], stored.Papers.Select(p => p.Id));
        Assert.Contains("Agents that wait", digest.TextBody, StringComparison.Ordinal);
        Assert.Single(_smtp.Messages, m => (m.Subject ?? "").Contains("digest", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await deliveries.ListDigestItemsAsync(subscription, DateTimeOffset.MaxValue, Ct));
    }

    [Fact]
    public async Task TheRetryJobRetriesOnItsOwn()
    {
        await using var worker = await StartAsync(realClock: true, retrySchedule: "00:00:00.200");
        var subscription = await SubscribeAsync(worker, "hopper@example.org", """{"channel": {"type": "email", "address": "hopper@example.org"}, "filter": {"keywords": ["compilers"]}}""");
        _smtp.FailTemporarily(1);

        await PublishAsync(worker, "arxiv", Paper("2411.00020", "Compilers for everyone"));
        var delivered = await AlertAsync(worker, subscription, "arxiv:2411.00020", d => d.State == DeliveryState.Delivered, "the scheduled retry to deliver");

        Assert.Equal(2, delivered.Attempts);
        Assert.Single(_smtp.Messages, m => m.MessageId == $"{delivered.Id}@paperfeed.test");
    }

    [GeneratedRegex(@"https?://\S+/subscriptions/confirm\?token=[^\s<>""]+")]
    private static partial Regex ConfirmLink();
}

public sealed class InMemoryDeliveryPipelineTests : DeliveryPipelineTests
{
    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["PaperFeed:Transport"] = "InMemory" });
}

public sealed class RabbitMqDeliveryPipelineTests(RabbitMqFixture broker) : DeliveryPipelineTests
{
    protected override async Task<Dictionary<string, string?>> TransportAsync()
    {
        broker.SkipIfUnavailable();
        var vhost = await broker.CreateVirtualHostAsync("delivery");
        return new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = vhost,
        };
    }
}
