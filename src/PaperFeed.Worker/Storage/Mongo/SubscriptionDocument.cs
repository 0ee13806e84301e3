using System.Globalization;
using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// One subscription in the <c>subscriptions</c> collection (<c>_id</c> is the subscription id), every field of
/// <see cref="Subscription"/> under its camelCase name, enums as strings, plus <c>updatedAtUtc</c> (derived, a
/// UTC date at millisecond precision, for <see cref="ISubscriptionStore.ListChangedSinceAsync"/>) and
/// <c>writeVersion</c> for optimistic concurrency.
/// </summary>
[BsonIgnoreExtraElements]
internal sealed class SubscriptionDocument
{
    [BsonId]
    public string SubscriptionId { get; set; } = "";

    [BsonElement("name")]
    [BsonIgnoreIfNull]
    public string? Name { get; set; }

    [BsonElement("channel")]
    public ChannelDocument Channel { get; set; } = new();

    [BsonElement("filter")]
    public FilterDocument Filter { get; set; } = new();

    [BsonElement("schedule")]
    public ScheduleDocument Schedule { get; set; } = new();

    [BsonElement("notifyRevisions")]
    public bool NotifyRevisions { get; set; }

    [BsonElement("status")]
    [BsonRepresentation(BsonType.String)]
    public SubscriptionStatus Status { get; set; }

    [BsonElement("pausedReason")]
    [BsonIgnoreIfNull]
    public string? PausedReason { get; set; }

    [BsonElement("pausedAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? PausedAt { get; set; }

    [BsonElement("createdAt")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset CreatedAt { get; set; }

    [BsonElement("updatedAt")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset UpdatedAt { get; set; }

    [BsonElement("confirmedAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? ConfirmedAt { get; set; }

    [BsonElement("failingSince")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? FailingSince { get; set; }

    /// <summary>Derived: <see cref="UpdatedAt"/> as a UTC date (milliseconds), indexed.</summary>
    [BsonElement("updatedAtUtc")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc)]
    public DateTime UpdatedAtUtc { get; set; }

    [BsonElement("writeVersion")]
    public long WriteVersion { get; set; }

    public static SubscriptionDocument From(Subscription subscription, long writeVersion)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return new SubscriptionDocument
        {
            SubscriptionId = subscription.Id,
            Name = subscription.Name,
            Channel = ChannelDocument.From(subscription.Channel),
            Filter = FilterDocument.From(subscription.Filter),
            Schedule = ScheduleDocument.From(subscription.Schedule),
            NotifyRevisions = subscription.NotifyRevisions,
            Status = subscription.Status,
            PausedReason = subscription.PausedReason,
            PausedAt = subscription.PausedAt,
            CreatedAt = subscription.CreatedAt,
            UpdatedAt = subscription.UpdatedAt,
            ConfirmedAt = subscription.ConfirmedAt,
            FailingSince = subscription.FailingSince,
            UpdatedAtUtc = MongoTime.ToMillis(subscription.UpdatedAt),
            WriteVersion = writeVersion,
        };
    }

    public Subscription ToSubscription() => new()
    {
        Id = SubscriptionId,
        Name = Name,
        Channel = Channel.ToChannel(),
        Filter = Filter.ToFilter(),
        Schedule = Schedule.ToSchedule(),
        NotifyRevisions = NotifyRevisions,
        Status = Status,
        PausedReason = PausedReason,
        PausedAt = PausedAt,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        ConfirmedAt = ConfirmedAt,
        FailingSince = FailingSince,
    };
}

/// <summary><see cref="SubscriptionChannel"/> in a document.</summary>
[BsonIgnoreExtraElements]
internal sealed class ChannelDocument
{
    [BsonElement("kind")]
    [BsonRepresentation(BsonType.String)]
    public ChannelKind Kind { get; set; }

    [BsonElement("url")]
    [BsonIgnoreIfNull]
    public string? Url { get; set; }

    [BsonElement("format")]
    [BsonRepresentation(BsonType.String)]
    public WebhookFormat Format { get; set; }

    [BsonElement("secret")]
    [BsonIgnoreIfNull]
    public string? Secret { get; set; }

    [BsonElement("address")]
    [BsonIgnoreIfNull]
    public string? Address { get; set; }

    public static ChannelDocument From(SubscriptionChannel channel) =>
        new() { Kind = channel.Kind, Url = channel.Url, Format = channel.Format, Secret = channel.Secret, Address = channel.Address };

    public SubscriptionChannel ToChannel() => new() { Kind = Kind, Url = Url, Format = Format, Secret = Secret, Address = Address };
}

/// <summary><see cref="SubscriptionFilter"/> in a document.</summary>
[BsonIgnoreExtraElements]
internal sealed class FilterDocument
{
    [BsonElement("keywords")]
    public List<string> Keywords { get; set; } = [];

    [BsonElement("exclude")]
    public List<string> Exclude { get; set; } = [];

    [BsonElement("categories")]
    public List<string> Categories { get; set; } = [];

    [BsonElement("authors")]
    public List<string> Authors { get; set; } = [];

    [BsonElement("sources")]
    public List<string> Sources { get; set; } = [];

    [BsonElement("minUpvotes")]
    [BsonIgnoreIfNull]
    public int? MinUpvotes { get; set; }

    [BsonElement("hasCode")]
    public bool HasCode { get; set; }

    public static FilterDocument From(SubscriptionFilter filter) => new()
    {
        Keywords = [.. filter.Keywords],
        Exclude = [.. filter.Exclude],
        Categories = [.. filter.Categories],
        Authors = [.. filter.Authors],
        Sources = [.. filter.Sources],
        MinUpvotes = filter.MinUpvotes,
        HasCode = filter.HasCode,
    };

    public SubscriptionFilter ToFilter() => new()
    {
        Keywords = [.. Keywords],
        Exclude = [.. Exclude],
        Categories = [.. Categories],
        Authors = [.. Authors],
        Sources = [.. Sources],
        MinUpvotes = MinUpvotes,
        HasCode = HasCode,
    };
}

/// <summary><see cref="DeliverySchedule"/> in a document; the time of day as text (<c>07:30:00</c>).</summary>
[BsonIgnoreExtraElements]
internal sealed class ScheduleDocument
{
    private const string WholeSeconds = "HH':'mm':'ss";
    private const string FractionalSeconds = "HH':'mm':'ss'.'fffffff";

    [BsonElement("mode")]
    [BsonRepresentation(BsonType.String)]
    public DeliveryMode Mode { get; set; }

    [BsonElement("sendAt")]
    public string SendAt { get; set; } = "08:00:00";

    [BsonElement("timeZone")]
    public string TimeZone { get; set; } = "UTC";

    [BsonElement("day")]
    [BsonRepresentation(BsonType.String)]
    public DayOfWeek Day { get; set; }

    public static ScheduleDocument From(DeliverySchedule schedule) => new()
    {
        Mode = schedule.Mode,
        SendAt = schedule.SendAt.ToString(schedule.SendAt.Ticks % TimeSpan.TicksPerSecond == 0 ? WholeSeconds : FractionalSeconds, CultureInfo.InvariantCulture),
        TimeZone = schedule.TimeZone,
        Day = schedule.Day,
    };

    public DeliverySchedule ToSchedule() => new()
    {
        Mode = Mode,
        SendAt = TimeOnly.ParseExact(SendAt, [WholeSeconds, FractionalSeconds], CultureInfo.InvariantCulture, DateTimeStyles.None),
        TimeZone = TimeZone,
        Day = Day,
    };
}

/// <summary>A deleted subscription in <c>subscription_deletions</c>, so that other workers' matching indexes learn of it.</summary>
[BsonIgnoreExtraElements]
internal sealed class SubscriptionDeletionDocument
{
    [BsonId]
    public string SubscriptionId { get; set; } = "";

    [BsonElement("deletedAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc)]
    public DateTime DeletedAt { get; set; }
}

/// <summary>A server secret in <c>server_secrets</c> (<c>_id</c> is its name): written once, by the first worker to need it.</summary>
[BsonIgnoreExtraElements]
internal sealed class ServerSecretDocument
{
    [BsonId]
    public string Name { get; set; } = "";

    [BsonElement("value")]
    public string Value { get; set; } = "";
}
