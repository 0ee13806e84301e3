using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Tests.Notifications.Email;

/// <summary>Papers, subscriptions and notifications for the e-mail tests.</summary>
internal static class EmailSamples
{
    public const string DeliveryId = "dlv_01JDQ7X8Y9Z0ABCDEFGHJKMNPQ";
    public const string Address = "reader@example.net";
    public static readonly DateTimeOffset Created = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    public static readonly Uri UnsubscribeUrl = new("https://paperfeed.example.org/unsubscribe/sub_1?token=abc&sig=xyz");
    public static readonly Uri ConfirmUrl = new("https://paperfeed.example.org/confirm/sub_1?token=def");

    public static readonly string LongAbstract = string.Join(' ', Enumerable.Repeat(
        "We study sparse mixtures of experts and show that routing tokens by learned affinity improves quality.", 6));

    public static PaperSummary Paper(
        string title = "Sparse Mixtures of Experts at Scale",
        int? upvotes = 42,
        int authors = 7,
        DateTimeOffset? publishedAt = null,
        string? abstractText = null,
        int? version = 1,
        PaperLinks? links = null) => new(
            title,
            abstractText ?? LongAbstract,
            Enumerable.Range(1, authors).Select(i => $"Author {i}").ToList(),
            ["cs.LG"],
            ["huggingface"],
            version,
            publishedAt ?? Created.AddHours(-6),
            links ?? new PaperLinks
            {
                Abstract = "https://arxiv.org/abs/2611.01234",
                Pdf = "https://arxiv.org/pdf/2611.01234",
                Code = "https://github.com/example/sparse-moe",
            },
            new PaperMetrics { Upvotes = upvotes },
            null,
            1);

    public static Subscription Subscription(string address = Address, string? name = "Mixture of experts") => new()
    {
        Id = "sub_01JDQ7X8Y9Z0ABCDEFGHJKMNPQ",
        Name = name,
        Channel = new SubscriptionChannel { Kind = ChannelKind.Email, Address = address },
        Filter = new SubscriptionFilter { Keywords = ["mixture of experts"] },
    };

    public static Notification Alert(PaperSummary? paper = null, bool revised = false, string address = Address) => new(
        new Delivery
        {
            Id = DeliveryId,
            Key = "sub_1|arxiv:2611.01234|email",
            SubscriptionId = "sub_01JDQ7X8Y9Z0ABCDEFGHJKMNPQ",
            Kind = DeliveryKind.Alert,
            Event = revised ? "paper.revised" : "paper.added",
            Channel = ChannelKind.Email,
            Papers = [new DeliveryPaper("arxiv:2611.01234", paper ?? Paper())],
            CreatedAt = Created,
        },
        Subscription(address),
        UnsubscribeUrl,
        null,
        1);

    public static Notification Digest(IReadOnlyList<DeliveryPaper> papers, string periodKey = "2026-11-27") => new(
        new Delivery
        {
            Id = DeliveryId,
            Key = $"sub_1|digest|{periodKey}",
            SubscriptionId = "sub_01JDQ7X8Y9Z0ABCDEFGHJKMNPQ",
            Kind = DeliveryKind.Digest,
            Event = "digest",
            Channel = ChannelKind.Email,
            Papers = papers,
            Period = new DigestPeriod(periodKey, Created.AddDays(-1), Created),
            CreatedAt = Created,
        },
        Subscription(),
        UnsubscribeUrl,
        null,
        1);

    public static Notification Confirmation() => new(
        new Delivery
        {
            Id = DeliveryId,
            Key = "sub_1|confirm",
            SubscriptionId = "sub_01JDQ7X8Y9Z0ABCDEFGHJKMNPQ",
            Kind = DeliveryKind.Confirmation,
            Event = "subscription.confirm",
            Channel = ChannelKind.Email,
            CreatedAt = Created,
        },
        Subscription() with { Status = SubscriptionStatus.Pending },
        null,
        ConfirmUrl,
        1);

    /// <summary>Three papers whose trending order is neither their input order nor their id order.</summary>
    public static IReadOnlyList<DeliveryPaper> DigestPapers() =>
    [
        new("arxiv:2611.00001", Paper("Quiet Paper", upvotes: 1, publishedAt: Created.AddHours(-20))),
        new("arxiv:2611.00002", Paper("Hot Paper", upvotes: 90, publishedAt: Created.AddHours(-10))),
        new("arxiv:2611.00003", Paper("Fresh Paper", upvotes: 5, publishedAt: Created.AddHours(-1))),
    ];
}
