using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;
using PaperFeed.Worker.Polling;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// The polling state of one source in <c>source_state</c> (<c>_id</c> is the source name). HTTP validators are an
/// array of <c>{ url, etag, lastModified }</c> rather than a sub-document keyed by URL, since URLs contain the dots
/// and dollars that field names must not.
/// </summary>
[BsonIgnoreExtraElements]
internal sealed class SourceStateDocument
{
    [BsonId]
    public string Name { get; set; } = "";

    [BsonElement("checkpoint")]
    [BsonIgnoreIfNull]
    public string? Checkpoint { get; set; }

    [BsonElement("validators")]
    public List<ValidatorsDocument> Validators { get; set; } = [];

    [BsonElement("consecutiveErrors")]
    public int ConsecutiveErrors { get; set; }

    [BsonElement("lastError")]
    [BsonIgnoreIfNull]
    public string? LastError { get; set; }

    [BsonElement("lastErrorAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? LastErrorAt { get; set; }

    [BsonElement("lastSuccessAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? LastSuccessAt { get; set; }

    [BsonElement("lastPaperCount")]
    public int LastPaperCount { get; set; }

    [BsonElement("backoffUntil")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? BackoffUntil { get; set; }

    [BsonElement("leaseOwner")]
    [BsonIgnoreIfNull]
    public string? LeaseOwner { get; set; }

    /// <summary>A plain UTC date (milliseconds), so the lease filter can compare it.</summary>
    [BsonElement("leaseUntil")]
    [BsonIgnoreIfNull]
    public DateTime? LeaseUntil { get; set; }

    public SourceState ToState() => new()
    {
        Name = Name,
        Checkpoint = Checkpoint,
        Validators = Validators.ToDictionary(v => v.Url, v => new HttpValidators(v.ETag, v.LastModified), StringComparer.Ordinal),
        ConsecutiveErrors = ConsecutiveErrors,
        LastError = LastError,
        LastErrorAt = LastErrorAt,
        LastSuccessAt = LastSuccessAt,
        LastPaperCount = LastPaperCount,
        BackoffUntil = BackoffUntil,
        LeaseOwner = LeaseOwner,
        LeaseUntil = LeaseUntil is { } until ? MongoTime.FromMillis(until) : null,
    };
}

/// <summary>The HTTP validators remembered for one URL.</summary>
[BsonIgnoreExtraElements]
internal sealed class ValidatorsDocument
{
    [BsonElement("url")]
    public string Url { get; set; } = "";

    [BsonElement("etag")]
    [BsonIgnoreIfNull]
    public string? ETag { get; set; }

    [BsonElement("lastModified")]
    [BsonIgnoreIfNull]
    public string? LastModified { get; set; }

    public static List<ValidatorsDocument> From(IReadOnlyDictionary<string, HttpValidators> validators) =>
        validators.Select(v => new ValidatorsDocument { Url = v.Key, ETag = v.Value.ETag, LastModified = v.Value.LastModified }).ToList();
}
