using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Storage.Mongo;
using PaperFeed.Worker.Storage.Sqlite;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Tests.Storage;

/// <summary>
/// The BSON mapping of the MongoDB documents, through the driver's serializer and no server: every field reads
/// back as written (compared through the JSON SQLite stores, which includes offsets and ticks), enums are strings,
/// and the derived query fields hold what the queries expect.
/// </summary>
public sealed class MongoDocumentTests
{
    // An offset and sub-millisecond ticks, which a plain BSON date would lose.
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 4, 1, 9, 30, 15, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    private static T RoundTrip<T>(T document, out BsonDocument bson)
    {
        bson = document.ToBsonDocument();
        return BsonSerializer.Deserialize<T>(bson);
    }

    internal static StoredPaper Paper() => new()
    {
        Id = "arxiv:2501.00140",
        Keys = ["arxiv:2501.00140", "doi:10.1000/rt.140", "title:0123456789abcdef0123456789abcdef"],
        Title = "Schrödinger Bridges",
        Abstract = "All fields.",
        Authors = ["Ada Lovelace", "Charles Babbage"],
        Categories = ["cs.LG", "stat.ML"],
        Keywords = ["diffusion"],
        Summary = "A summary.",
        Version = 2,
        PublishedAt = At,
        UpdatedAt = At.AddDays(1),
        WithdrawnAt = At.AddDays(2),
        Links = new PaperLinks { Abstract = "https://arxiv.org/abs/2501.00140", Pdf = "https://arxiv.org/pdf/2501.00140", Code = "https://github.com/a/b", Project = "https://a.example" },
        Metrics = new PaperMetrics { Upvotes = 5, Comments = 2, GithubStars = 40 },
        Sightings = [new Sighting("hf", "2501.00140", At, At.AddHours(1)), new Sighting("arxiv", "oai:arXiv.org:2501.00140", At.AddMinutes(1), At.AddMinutes(2))],
        MetricHistory = [new MetricSample(At, new PaperMetrics { Upvotes = 5 })],
        Revision = 3,
        AnnouncedRevision = 2,
        FirstSeenAt = At,
        LastChangedAt = At.AddTicks(1),
    };

    private static Delivery Delivery() => new()
    {
        Id = "dlv_01",
        Key = "sub_a|digest|2026-W14",
        SubscriptionId = "sub_a",
        Kind = DeliveryKind.Digest,
        Event = "digest",
        Channel = ChannelKind.Email,
        Papers = [new DeliveryPaper("arxiv:1", new PaperSummary("T", null, ["A"], ["cs.CL"], ["hf"], 1, At, new PaperLinks { Pdf = "https://x.example/p.pdf" }, new PaperMetrics { Upvotes = 3 }, null, 1), 1.5)],
        Period = new DigestPeriod("2026-W14", At.AddDays(-7), At),
        State = DeliveryState.Failed,
        Attempts = 2,
        CreatedAt = At,
        NextAttemptAt = At.AddMinutes(5),
        LastAttemptAt = At.AddMinutes(1),
        LastStatusCode = 503,
        LastError = "503 Service Unavailable",
    };

    private static Subscription Subscription() => new()
    {
        Id = "sub_a",
        Name = "about diffusion",
        Channel = new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = "https://hooks.example.org/in", Format = WebhookFormat.Discord, Secret = "whsec_c2VjcmV0" },
        Filter = new SubscriptionFilter { Keywords = ["diffusion", "\"state space model\""], Exclude = ["survey"], Categories = ["cs.*"], Authors = ["LeCun"], Sources = ["hf"], MinUpvotes = 3, HasCode = true },
        Schedule = new DeliverySchedule { Mode = DeliveryMode.Weekly, SendAt = new TimeOnly(7, 30), TimeZone = "Europe/Berlin", Day = DayOfWeek.Friday },
        NotifyRevisions = true,
        Status = SubscriptionStatus.Paused,
        PausedReason = "410 Gone",
        PausedAt = At.AddHours(3),
        CreatedAt = At,
        UpdatedAt = At.AddHours(3),
        ConfirmedAt = At.AddMinutes(10),
        FailingSince = At.AddHours(2),
    };

    [Fact]
    public void AStoredPaperReadsBackWhole()
    {
        var paper = Paper();
        var pk = ObjectId.GenerateNewId();

        var read = RoundTrip(PaperDocument.From(paper, pk, 7), out var bson);

        Assert.Equal(SqliteJson.Write(paper), SqliteJson.Write(read.ToPaper()));
        Assert.Equal(pk, bson["_id"].AsObjectId);
        Assert.Equal("arxiv:2501.00140", bson["id"].AsString);
        Assert.Equal(7, bson["writeVersion"].ToInt64());
        Assert.Equal(3, bson["keys"].AsBsonArray.Count);
        Assert.Equal(2, bson["announcedRevision"].AsInt32);
        Assert.Equal("hf", bson["sightings"][0]["source"].AsString);
    }

    [Fact]
    public void TimesInsideADocumentKeepTicksAndOffsetAndShowTheUtcDate()
    {
        var bson = PaperDocument.From(Paper(), ObjectId.GenerateNewId(), 1).ToBsonDocument();

        var published = bson["publishedAt"].AsBsonDocument;
        Assert.Equal(At.UtcDateTime.Ticks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, published["DateTime"].ToUniversalTime().Ticks);
        Assert.Equal(At.Ticks, published["Ticks"].ToInt64());
        Assert.Equal(120, published["Offset"].ToInt32());
    }

    [Fact]
    public void ThePaperDocumentDerivesSortDateAndSearchWords()
    {
        var withoutDate = Paper() with { PublishedAt = null };

        var bson = PaperDocument.From(withoutDate, ObjectId.GenerateNewId(), 1).ToBsonDocument();

        Assert.Equal(BsonType.DateTime, bson["sortAt"].BsonType);
        Assert.Equal(At.ToUnixTimeMilliseconds(), bson["sortAt"].AsBsonDateTime.MillisecondsSinceEpoch);
        Assert.False(bson.Contains("publishedAt"));
        Assert.Equal(
            ["schrodinger", "bridges", "all", "fields", "ada", "lovelace", "charles", "babbage"],
            bson["words"].AsBsonArray.Select(w => w.AsString));
    }

    [Fact]
    public void ADeliveryReadsBackWholeWithStringEnumsAndItsQueryFields()
    {
        var delivery = Delivery();

        var read = RoundTrip(DeliveryDocument.From(delivery, ObjectId.GenerateNewId(), 4), out var bson);

        Assert.Equal(SqliteJson.Write(delivery), SqliteJson.Write(read.ToDelivery()));
        Assert.Equal("Failed", bson["state"].AsString);
        Assert.Equal("Digest", bson["kind"].AsString);
        Assert.Equal("Email", bson["channel"].AsString);
        Assert.Equal("sub_a|digest|2026-W14", bson["key"].AsString);
        Assert.Equal(At.AddMinutes(5).ToUnixTimeMilliseconds(), bson["dueAt"].AsBsonDateTime.MillisecondsSinceEpoch);
        Assert.Equal(At.AddMinutes(5).UtcTicks, bson["nextAttemptTicks"].AsInt64);
        Assert.False(bson.Contains("claimedUntilTicks"));
        Assert.False(bson.Contains("claimedUntil"));
    }

    [Theory]
    [InlineData(DeliveryState.Delivered)]
    [InlineData(DeliveryState.Dead)]
    public void AFinishedDeliveryHasNoDueDate(DeliveryState state)
    {
        var bson = DeliveryDocument.From(Delivery() with { State = state, NextAttemptAt = null }, ObjectId.GenerateNewId(), 1).ToBsonDocument();

        Assert.False(bson.Contains("dueAt"));
    }

    [Fact]
    public void ASubscriptionReadsBackWhole()
    {
        var subscription = Subscription();

        var read = RoundTrip(SubscriptionDocument.From(subscription, 1), out var bson);

        Assert.Equal(SqliteJson.Write(subscription), SqliteJson.Write(read.ToSubscription()));
        Assert.Equal("sub_a", bson["_id"].AsString);
        Assert.Equal("Paused", bson["status"].AsString);
        Assert.Equal("Webhook", bson["channel"]["kind"].AsString);
        Assert.Equal("Discord", bson["channel"]["format"].AsString);
        Assert.Equal("Weekly", bson["schedule"]["mode"].AsString);
        Assert.Equal("Friday", bson["schedule"]["day"].AsString);
        Assert.Equal("07:30:00", bson["schedule"]["sendAt"].AsString);
        Assert.Equal(At.AddHours(3).ToUnixTimeMilliseconds(), bson["updatedAtUtc"].AsBsonDateTime.MillisecondsSinceEpoch);
    }

    [Fact]
    public void ASendTimeWithFractionsOfASecondReadsBackExactly()
    {
        var subscription = Subscription() with { Schedule = new DeliverySchedule { SendAt = new TimeOnly(23, 59, 59, 999).Add(TimeSpan.FromTicks(1)) } };

        var read = RoundTrip(SubscriptionDocument.From(subscription, 1), out _);

        Assert.Equal(subscription.Schedule.SendAt, read.ToSubscription().Schedule.SendAt);
    }

    [Fact]
    public void ASourceStateReadsBackWithItsValidatorsAsAnArray()
    {
        var document = new SourceStateDocument
        {
            Name = "arxiv-cs",
            Checkpoint = "2026-04-01",
            Validators = ValidatorsDocument.From(new Dictionary<string, HttpValidators> { ["https://rss.arxiv.org/rss/cs.AI+cs.LG?x=$1"] = new("\"abc\"", "Wed, 01 Apr 2026 06:00:00 GMT") }),
            ConsecutiveErrors = 2,
            LastError = "HTTP 503",
            LastErrorAt = At,
            LastSuccessAt = At.AddHours(-1),
            LastPaperCount = 42,
            BackoffUntil = At.AddMinutes(20),
        };

        var read = RoundTrip(document, out var bson).ToState();

        Assert.Equal("arxiv-cs", bson["_id"].AsString);
        Assert.Equal("https://rss.arxiv.org/rss/cs.AI+cs.LG?x=$1", bson["validators"][0]["url"].AsString);
        Assert.Equal(new HttpValidators("\"abc\"", "Wed, 01 Apr 2026 06:00:00 GMT"), read.Validators["https://rss.arxiv.org/rss/cs.AI+cs.LG?x=$1"]);
        Assert.Equal((2, "HTTP 503", At, At.AddHours(-1), 42, At.AddMinutes(20)), (read.ConsecutiveErrors, read.LastError, read.LastErrorAt, read.LastSuccessAt, read.LastPaperCount, read.BackoffUntil));
    }

    [Fact]
    public void AStateDocumentWithOnlyAFailureReadsAsAFreshStateWithTheFailure()
    {
        // What RecordFailureAsync's upsert creates for a source never polled before.
        var bson = new BsonDocument { { "_id", "new" }, { "consecutiveErrors", 1 }, { "lastError", "DNS failure" } };

        var state = BsonSerializer.Deserialize<SourceStateDocument>(bson).ToState();

        Assert.Equal("new", state.Name);
        Assert.Equal(1, state.ConsecutiveErrors);
        Assert.Empty(state.Validators);
        Assert.Null(state.Checkpoint);
        Assert.Null(state.LastSuccessAt);
    }

    [Fact]
    public void ADigestItemKeepsItsMatchTimeToTheMillisecondInUtc()
    {
        var item = new DigestItem("sub_a", "arxiv:1", At, Delivery().Papers[0].Paper);

        var read = RoundTrip(DigestItemDocument.From(item, ObjectId.GenerateNewId()), out var bson).ToItem();

        Assert.Equal(BsonType.DateTime, bson["matchedAt"].BsonType);
        Assert.False(bson.Contains("deliveryId"));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(At.ToUnixTimeMilliseconds()), read.MatchedAt);
        Assert.Equal(TimeSpan.Zero, read.MatchedAt.Offset);
        Assert.Equal(SqliteJson.Write(item.Paper), SqliteJson.Write(read.Paper));
    }

    [Fact]
    public void ExtraFieldsWrittenByANewerVersionAreIgnored()
    {
        var bson = PaperDocument.From(Paper(), ObjectId.GenerateNewId(), 1).ToBsonDocument();
        bson["fieldFromTheFuture"] = 1;

        var read = BsonSerializer.Deserialize<PaperDocument>(bson);

        Assert.Equal("arxiv:2501.00140", read.PaperId);
    }
}
