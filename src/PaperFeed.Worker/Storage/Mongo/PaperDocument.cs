using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// One paper in the <c>papers</c> collection: every field of <see cref="StoredPaper"/> under its camelCase name,
/// plus what the store derives for its indexes and queries (<c>sortAt</c>, <c>words</c>) and for optimistic
/// concurrency (<c>writeVersion</c>). <c>_id</c> is an ObjectId that never changes, unlike the canonical
/// <c>id</c>, which moves to a higher-ranked key when the paper gains one.
/// </summary>
[BsonIgnoreExtraElements]
internal sealed class PaperDocument
{
    public const string SightingSourceField = "sightings.source";

    [BsonId]
    public ObjectId Pk { get; set; }

    [BsonElement("id")]
    public string PaperId { get; set; } = "";

    /// <summary>Unique multikey index: each identity key belongs to one paper.</summary>
    [BsonElement("keys")]
    public List<string> Keys { get; set; } = [];

    [BsonElement("title")]
    public string Title { get; set; } = "";

    [BsonElement("abstract")]
    [BsonIgnoreIfNull]
    public string? Abstract { get; set; }

    [BsonElement("authors")]
    public List<string> Authors { get; set; } = [];

    [BsonElement("categories")]
    public List<string> Categories { get; set; } = [];

    [BsonElement("keywords")]
    public List<string> Keywords { get; set; } = [];

    [BsonElement("summary")]
    [BsonIgnoreIfNull]
    public string? Summary { get; set; }

    [BsonElement("version")]
    [BsonIgnoreIfNull]
    public int? Version { get; set; }

    [BsonElement("publishedAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? PublishedAt { get; set; }

    [BsonElement("updatedAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? UpdatedAt { get; set; }

    [BsonElement("withdrawnAt")]
    [BsonIgnoreIfNull]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset? WithdrawnAt { get; set; }

    [BsonElement("links")]
    public LinksDocument Links { get; set; } = new();

    [BsonElement("metrics")]
    public MetricsDocument Metrics { get; set; } = new();

    [BsonElement("sightings")]
    public List<SightingDocument> Sightings { get; set; } = [];

    [BsonElement("metricHistory")]
    public List<MetricSampleDocument> MetricHistory { get; set; } = [];

    [BsonElement("revision")]
    public int Revision { get; set; }

    /// <summary>Raised only by MarkAnnounced (with <c>$max</c> semantics); an ingest write carries the value it read.</summary>
    [BsonElement("announcedRevision")]
    public int AnnouncedRevision { get; set; }

    [BsonElement("firstSeenAt")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset FirstSeenAt { get; set; }

    [BsonElement("lastChangedAt")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset LastChangedAt { get; set; }

    /// <summary>Derived: <see cref="StoredPaper.SortAt"/> as a UTC date (milliseconds), what lists sort and page by.</summary>
    [BsonElement("sortAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc)]
    public DateTime SortAt { get; set; }

    /// <summary>Derived: the words of title, abstract and authors (see <see cref="MongoSearchWords"/>).</summary>
    [BsonElement("words")]
    public List<string> Words { get; set; } = [];

    /// <summary>Incremented by every write; a write names the value it read, so a concurrent change is never overwritten.</summary>
    [BsonElement("writeVersion")]
    public long WriteVersion { get; set; }

    public static PaperDocument From(StoredPaper paper, ObjectId pk, long writeVersion)
    {
        ArgumentNullException.ThrowIfNull(paper);
        return new PaperDocument
        {
            Pk = pk,
            PaperId = paper.Id,
            Keys = [.. paper.Keys],
            Title = paper.Title,
            Abstract = paper.Abstract,
            Authors = [.. paper.Authors],
            Categories = [.. paper.Categories],
            Keywords = [.. paper.Keywords],
            Summary = paper.Summary,
            Version = paper.Version,
            PublishedAt = paper.PublishedAt,
            UpdatedAt = paper.UpdatedAt,
            WithdrawnAt = paper.WithdrawnAt,
            Links = LinksDocument.From(paper.Links),
            Metrics = MetricsDocument.From(paper.Metrics),
            Sightings = paper.Sightings.Select(SightingDocument.From).ToList(),
            MetricHistory = paper.MetricHistory.Select(MetricSampleDocument.From).ToList(),
            Revision = paper.Revision,
            AnnouncedRevision = paper.AnnouncedRevision,
            FirstSeenAt = paper.FirstSeenAt,
            LastChangedAt = paper.LastChangedAt,
            SortAt = MongoTime.ToMillis(paper.SortAt),
            Words = MongoSearchWords.Of([paper.Title, paper.Abstract, .. paper.Authors]),
            WriteVersion = writeVersion,
        };
    }

    public StoredPaper ToPaper() => new()
    {
        Id = PaperId,
        Keys = [.. Keys],
        Title = Title,
        Abstract = Abstract,
        Authors = [.. Authors],
        Categories = [.. Categories],
        Keywords = [.. Keywords],
        Summary = Summary,
        Version = Version,
        PublishedAt = PublishedAt,
        UpdatedAt = UpdatedAt,
        WithdrawnAt = WithdrawnAt,
        Links = Links.ToLinks(),
        Metrics = Metrics.ToMetrics(),
        Sightings = Sightings.Select(s => s.ToSighting()).ToList(),
        MetricHistory = MetricHistory.Select(m => m.ToSample()).ToList(),
        Revision = Revision,
        AnnouncedRevision = AnnouncedRevision,
        FirstSeenAt = FirstSeenAt,
        LastChangedAt = LastChangedAt,
    };
}

/// <summary><see cref="PaperLinks"/> in a document.</summary>
[BsonIgnoreExtraElements]
internal sealed class LinksDocument
{
    [BsonElement("abstract")]
    [BsonIgnoreIfNull]
    public string? Abstract { get; set; }

    [BsonElement("pdf")]
    [BsonIgnoreIfNull]
    public string? Pdf { get; set; }

    [BsonElement("code")]
    [BsonIgnoreIfNull]
    public string? Code { get; set; }

    [BsonElement("project")]
    [BsonIgnoreIfNull]
    public string? Project { get; set; }

    public static LinksDocument From(PaperLinks links) => new() { Abstract = links.Abstract, Pdf = links.Pdf, Code = links.Code, Project = links.Project };

    public PaperLinks ToLinks() => new() { Abstract = Abstract, Pdf = Pdf, Code = Code, Project = Project };
}

/// <summary><see cref="PaperMetrics"/> in a document.</summary>
[BsonIgnoreExtraElements]
internal sealed class MetricsDocument
{
    [BsonElement("upvotes")]
    [BsonIgnoreIfNull]
    public int? Upvotes { get; set; }

    [BsonElement("comments")]
    [BsonIgnoreIfNull]
    public int? Comments { get; set; }

    [BsonElement("githubStars")]
    [BsonIgnoreIfNull]
    public int? GithubStars { get; set; }

    public static MetricsDocument From(PaperMetrics metrics) => new() { Upvotes = metrics.Upvotes, Comments = metrics.Comments, GithubStars = metrics.GithubStars };

    public PaperMetrics ToMetrics() => new() { Upvotes = Upvotes, Comments = Comments, GithubStars = GithubStars };
}

/// <summary><see cref="Sighting"/> in a document; <c>sightings.source</c> is indexed for the source filter.</summary>
[BsonIgnoreExtraElements]
internal sealed class SightingDocument
{
    [BsonElement("source")]
    public string Source { get; set; } = "";

    [BsonElement("externalId")]
    public string ExternalId { get; set; } = "";

    [BsonElement("firstSeenAt")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset FirstSeenAt { get; set; }

    [BsonElement("lastSeenAt")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset LastSeenAt { get; set; }

    public static SightingDocument From(Sighting sighting) =>
        new() { Source = sighting.Source, ExternalId = sighting.ExternalId, FirstSeenAt = sighting.FirstSeenAt, LastSeenAt = sighting.LastSeenAt };

    public Sighting ToSighting() => new(Source, ExternalId, FirstSeenAt, LastSeenAt);
}

/// <summary><see cref="MetricSample"/> in a document.</summary>
[BsonIgnoreExtraElements]
internal sealed class MetricSampleDocument
{
    [BsonElement("at")]
    [BsonRepresentation(BsonType.Document)]
    public DateTimeOffset At { get; set; }

    [BsonElement("metrics")]
    public MetricsDocument Metrics { get; set; } = new();

    public static MetricSampleDocument From(MetricSample sample) => new() { At = sample.At, Metrics = MetricsDocument.From(sample.Metrics) };

    public MetricSample ToSample() => new(At, Metrics.ToMetrics());
}
