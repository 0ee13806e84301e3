using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Testing;

/// <summary>Deliveries and webhook subscriptions for the webhook tests (linked into the integration tests too).</summary>
public static class WebhookSamples
{
    public static readonly DateTimeOffset CreatedAt = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    public static DeliveryPaper Paper(int n = 1, string? title = null, string? @abstract = null, IReadOnlyList<string>? authors = null, double? score = null) =>
        new(
            $"arxiv:2611.{n:00000}",
            new PaperSummary(
                title ?? $"Paper number {n}: a study of things",
                @abstract ?? $"We study thing {n}. It turns out to matter.",
                authors ?? ["Ada Lovelace", "Alan Turing"],
                ["cs.CL", "cs.LG"],
                ["arxiv-ai-ml-cl"],
                2,
                new DateTimeOffset(2026, 11, 26, 18, 0, 0, TimeSpan.Zero),
                new PaperLinks
                {
                    Abstract = $"https://arxiv.org/abs/2611.{n:00000}v2",
                    Pdf = $"https://arxiv.org/pdf/2611.{n:00000}v2",
                    Code = $"https://github.com/example/paper-{n}",
                },
                new PaperMetrics { Upvotes = 10 + n, Comments = 3, GithubStars = 120 },
                null,
                1),
            score);

    public static Subscription Subscription(string url, WebhookFormat format = WebhookFormat.Standard, string? secret = null) => new()
    {
        Id = "sub_01JDEXAMPLE0000000000000000",
        Name = "LLM papers",
        Channel = new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = url, Format = format, Secret = secret },
        Filter = new SubscriptionFilter(),
        CreatedAt = CreatedAt.AddDays(-30),
        UpdatedAt = CreatedAt.AddDays(-30),
    };

    public static Delivery Alert(DeliveryPaper? paper = null, string id = "dlv_01JDALERT00000000000000000", string @event = "paper.added") => new()
    {
        Id = id,
        Key = "key-" + id,
        SubscriptionId = "sub_01JDEXAMPLE0000000000000000",
        Kind = DeliveryKind.Alert,
        Event = @event,
        Channel = ChannelKind.Webhook,
        Papers = [paper ?? Paper()],
        CreatedAt = CreatedAt,
    };

    public static Delivery Digest(int papers, string id = "dlv_01JDDIGEST0000000000000000", Func<int, DeliveryPaper>? paper = null) => new()
    {
        Id = id,
        Key = "key-" + id,
        SubscriptionId = "sub_01JDEXAMPLE0000000000000000",
        Kind = DeliveryKind.Digest,
        Event = "digest",
        Channel = ChannelKind.Webhook,
        Papers = Enumerable.Range(1, papers).Select(n => paper?.Invoke(n) ?? Paper(n, score: 100.0 / n)).ToList(),
        Period = new DigestPeriod("2026-W48", new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero)),
        CreatedAt = CreatedAt,
    };
}
