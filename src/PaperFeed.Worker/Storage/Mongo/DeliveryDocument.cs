using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;
using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// One delivery in the <c>deliveries</c> collection: every field of <see cref="Delivery"/> at the top level
/// (<c>id</c> and <c>key</c> unique, <c>state</c> as a string), plus fields derived for the retry job
/// (<c>dueAt</c>, absent once the delivery is finished) and for the atomic claim (<c>nextAttemptTicks</c>,
/// <c>claimedUntilTicks</c>: UTC ticks, compared exactly as <see cref="DeliveryTransitions.IsClaimable"/> does).
/// <c>_id</c> is an ObjectId assigned at insert, which orders a subscription's deliveries newest first.
/// </summary>
[BsonIgnoreExtraElements]
internal sealed class DeliveryDocument
{
    [BsonId]
    public ObjectId Pk { get; set; }

    [BsonElement("id")]
    public string DeliveryId { get; set; } = "";

    [BsonElement("key")]
    public string Key { get; set; } = "";

    [BsonElement("subscriptionId")]
    public string SubscriptionId { get; set; } = "";

    [BsonElement("kind")]
    [BsonRepresentation(BsonType.String)]
    public DeliveryKind Kind { get; set; }

    [BsonElement("event")]
    public string Event { get; set; } = "";

    [BsonElement("channel")]
    [BsonRepresentation(BsonType.String)]
    public ChannelKind Channel { get; set; }

    [BsonElement("papers")]
    public List<DeliveryPaperDocument> Papers { get; set; } = [];

    [BsonElement("period")]
    [BsonIgnoreIfNull]
    public DigestPeriodDocument? Period { get; set; }

    [BsonElement("state")]
    [BsonRepresentation(BsonType.String)]
    public DeliveryState State { get; set; }

    [BsonElement("attempts")]
    public int Attempts { get; set; }

    [BsonElement("createdAt")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset CreatedAt { get; set; }

    [BsonElement("nextAttemptAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? NextAttemptAt { get; set; }

    [BsonElement("claimedUntil")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? ClaimedUntil { get; set; }

    [BsonElement("lastAttemptAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? LastAttemptAt { get; set; }

    [BsonElement("lastStatusCode")]
    [BsonIgnoreIfNull]
    public int? LastStatusCode { get; set; }

    [BsonElement("lastError")]
    [BsonIgnoreIfNull]
    public string? LastError { get; set; }

    [BsonElement("deliveredAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Derived: <see cref="DeliveryTransitions.DueAt"/> as a UTC date (milliseconds); absent when finished (partial index).</summary>
    [BsonElement("dueAt")]
    [BsonIgnoreIfNull]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc)]
    public DateTime? DueAt { get; set; }

    /// <summary>Derived: <see cref="NextAttemptAt"/> in UTC ticks, for the claim filter.</summary>
    [BsonElement("nextAttemptTicks")]
    [BsonIgnoreIfNull]
    public long? NextAttemptTicks { get; set; }

    /// <summary>Derived: <see cref="ClaimedUntil"/> in UTC ticks, for the claim filter.</summary>
    [BsonElement("claimedUntilTicks")]
    [BsonIgnoreIfNull]
    public long? ClaimedUntilTicks { get; set; }

    /// <summary>Incremented by every write; replacing writes name the value they read.</summary>
    [BsonElement("writeVersion")]
    public long WriteVersion { get; set; }

    public static DeliveryDocument From(Delivery delivery, ObjectId pk, long writeVersion)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new DeliveryDocument
        {
            Pk = pk,
            DeliveryId = delivery.Id,
            Key = delivery.Key,
            SubscriptionId = delivery.SubscriptionId,
            Kind = delivery.Kind,
            Event = delivery.Event,
            Channel = delivery.Channel,
            Papers = delivery.Papers.Select(DeliveryPaperDocument.From).ToList(),
            Period = delivery.Period is { } period ? DigestPeriodDocument.From(period) : null,
            State = delivery.State,
            Attempts = delivery.Attempts,
            CreatedAt = delivery.CreatedAt,
            NextAttemptAt = delivery.NextAttemptAt,
            ClaimedUntil = delivery.ClaimedUntil,
            LastAttemptAt = delivery.LastAttemptAt,
            LastStatusCode = delivery.LastStatusCode,
            LastError = delivery.LastError,
            DeliveredAt = delivery.DeliveredAt,
            DueAt = DeliveryTransitions.DueAt(delivery) is { } due ? MongoTime.ToMillis(due) : null,
            NextAttemptTicks = delivery.NextAttemptAt?.UtcTicks,
            ClaimedUntilTicks = delivery.ClaimedUntil?.UtcTicks,
            WriteVersion = writeVersion,
        };
    }

    public Delivery ToDelivery() => new()
    {
        Id = DeliveryId,
        Key = Key,
        SubscriptionId = SubscriptionId,
        Kind = Kind,
        Event = Event,
        Channel = Channel,
        Papers = Papers.Select(p => p.ToPaper()).ToList(),
        Period = Period?.ToPeriod(),
        State = State,
        Attempts = Attempts,
        CreatedAt = CreatedAt,
        NextAttemptAt = NextAttemptAt,
        ClaimedUntil = ClaimedUntil,
        LastAttemptAt = LastAttemptAt,
        LastStatusCode = LastStatusCode,
        LastError = LastError,
        DeliveredAt = DeliveredAt,
    };
}

/// <summary><see cref="DeliveryPaper"/> in a document.</summary>
[BsonIgnoreExtraElements]
internal sealed class DeliveryPaperDocument
{
    [BsonElement("id")]
    public string PaperId { get; set; } = "";

    [BsonElement("paper")]
    public PaperSummaryDocument Paper { get; set; } = new();

    [BsonElement("score")]
    [BsonIgnoreIfNull]
    public double? Score { get; set; }

    public static DeliveryPaperDocument From(DeliveryPaper paper) =>
        new() { PaperId = paper.Id, Paper = PaperSummaryDocument.From(paper.Paper), Score = paper.Score };

    public DeliveryPaper ToPaper() => new(PaperId, Paper.ToSummary(), Score);
}

/// <summary><see cref="DigestPeriod"/> in a document.</summary>
[BsonIgnoreExtraElements]
internal sealed class DigestPeriodDocument
{
    [BsonElement("key")]
    public string Key { get; set; } = "";

    [BsonElement("start")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset Start { get; set; }

    [BsonElement("end")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset End { get; set; }

    public static DigestPeriodDocument From(DigestPeriod period) => new() { Key = period.Key, Start = period.Start, End = period.End };

    public DigestPeriod ToPeriod() => new(Key, Start, End);
}

/// <summary><see cref="PaperSummary"/> in a document (delivery snapshots and digest items).</summary>
[BsonIgnoreExtraElements]
internal sealed class PaperSummaryDocument
{
    [BsonElement("title")]
    public string Title { get; set; } = "";

    [BsonElement("abstract")]
    [BsonIgnoreIfNull]
    public string? Abstract { get; set; }

    [BsonElement("authors")]
    public List<string> Authors { get; set; } = [];

    [BsonElement("categories")]
    public List<string> Categories { get; set; } = [];

    [BsonElement("sources")]
    public List<string> Sources { get; set; } = [];

    [BsonElement("version")]
    [BsonIgnoreIfNull]
    public int? Version { get; set; }

    [BsonElement("publishedAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? PublishedAt { get; set; }

    [BsonElement("links")]
    public LinksDocument Links { get; set; } = new();

    [BsonElement("metrics")]
    public MetricsDocument Metrics { get; set; } = new();

    [BsonElement("withdrawnAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? WithdrawnAt { get; set; }

    [BsonElement("revision")]
    public int Revision { get; set; }

    public static PaperSummaryDocument From(PaperSummary paper)
    {
        ArgumentNullException.ThrowIfNull(paper);
        return new PaperSummaryDocument
        {
            Title = paper.Title,
            Abstract = paper.Abstract,
            Authors = [.. paper.Authors],
            Categories = [.. paper.Categories],
            Sources = [.. paper.Sources],
            Version = paper.Version,
            PublishedAt = paper.PublishedAt,
            Links = LinksDocument.From(paper.Links),
            Metrics = MetricsDocument.From(paper.Metrics),
            WithdrawnAt = paper.WithdrawnAt,
            Revision = paper.Revision,
        };
    }

    public PaperSummary ToSummary() => new(
        Title, Abstract, [.. Authors], [.. Categories], [.. Sources], Version, PublishedAt, Links.ToLinks(), Metrics.ToMetrics(), WithdrawnAt, Revision);
}

/// <summary>
/// A match waiting for a digest, in the <c>digest_items</c> collection (unique per subscription and paper).
/// <c>matchedAt</c> is a UTC date at millisecond precision, as SQLite keeps it; <c>deliveryId</c> is absent until
/// the item is sent in a digest.
/// </summary>
[BsonIgnoreExtraElements]
internal sealed class DigestItemDocument
{
    [BsonId]
    public ObjectId Pk { get; set; }

    [BsonElement("subscriptionId")]
    public string SubscriptionId { get; set; } = "";

    [BsonElement("paperId")]
    public string PaperId { get; set; } = "";

    [BsonElement("matchedAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc)]
    public DateTime MatchedAt { get; set; }

    [BsonElement("deliveryId")]
    [BsonIgnoreIfNull]
    public string? DeliveryId { get; set; }

    [BsonElement("paper")]
    public PaperSummaryDocument Paper { get; set; } = new();

    public static DigestItemDocument From(DigestItem item, ObjectId pk)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new DigestItemDocument
        {
            Pk = pk,
            SubscriptionId = item.SubscriptionId,
            PaperId = item.PaperId,
            MatchedAt = MongoTime.ToMillis(item.MatchedAt),
            Paper = PaperSummaryDocument.From(item.Paper),
        };
    }

    public DigestItem ToItem() => new(SubscriptionId, PaperId, MongoTime.FromMillis(MatchedAt), Paper.ToSummary());
}
