using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Storage.Mongo;

namespace PaperFeed.Tests.Storage;

/// <summary>
/// What the MongoDB stores send, rendered by the driver without a server: the queries, updates and index
/// definitions must translate, and say what the adapter promises (field names, operators, representations).
/// </summary>
public sealed class MongoQueryTests
{
    private static readonly DateTimeOffset At = new(2026, 4, 1, 6, 0, 0, TimeSpan.Zero);

    private static BsonDocument Render<T>(FilterDefinition<T> filter) =>
        filter.Render(new RenderArgs<T>(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry));

    private static BsonDocument Render<T>(UpdateDefinition<T> update) =>
        update.Render(new RenderArgs<T>(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry)).AsBsonDocument;

    private static BsonDocument Render<T>(SortDefinition<T> sort) =>
        sort.Render(new RenderArgs<T>(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry));

    private static BsonDocument Render<T>(IndexKeysDefinition<T> keys) =>
        keys.Render(new RenderArgs<T>(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry));

    [Fact]
    public void AListQueryCombinesWordsSourceSinceAndTheCursor()
    {
        var pk = ObjectId.GenerateNewId();
        var sortAt = MongoTime.ToMillis(At);
        var cursor = MongoPaperStore.EncodeCursor(sortAt, pk);

        var filter = Render(MongoPaperStore.ListFilter(new PaperQuery(Text: "Quantum Müller*", Source: "hf", Since: At.AddDays(-1), Cursor: cursor))!);

        var expected = new BsonDocument
        {
            { "words", new BsonDocument("$all", new BsonArray { "quantum", "muller" }) },
            { "sightings.source", "hf" },
            { "sortAt", new BsonDocument("$gte", new BsonDateTime(MongoTime.ToMillis(At.AddDays(-1)))) },
            {
                "$or", new BsonArray
                {
                    new BsonDocument("sortAt", new BsonDocument("$lt", new BsonDateTime(sortAt))),
                    new BsonDocument { { "sortAt", new BsonDateTime(sortAt) }, { "_id", new BsonDocument("$lt", pk) } },
                }
            },
        };
        Assert.Equal(expected, filter);
        Assert.Equal(new BsonDocument { { "sortAt", -1 }, { "_id", -1 } }, Render(MongoPaperStore.NewestFirst));
    }

    [Fact]
    public void AnEmptyListQueryIsEmptyAndAnUnsearchableTextMatchesNothing()
    {
        Assert.Equal(new BsonDocument(), Render(MongoPaperStore.ListFilter(new PaperQuery(Text: "  "))!));
        Assert.Null(MongoPaperStore.ListFilter(new PaperQuery(Text: "* ( ) :")));
        Assert.Throws<ArgumentException>(() => MongoPaperStore.ListFilter(new PaperQuery(Text: "* ( ) :", Cursor: "bm9wZQ")));
    }

    [Fact]
    public void AnIngestReadsThePapersOwningAnyKeyOfTheBatch()
    {
        Assert.Equal(
            new BsonDocument("keys", new BsonDocument("$in", new BsonArray { "arxiv:1", "doi:10.1000/x" })),
            Render(MongoPaperStore.OwningAnyOf(["arxiv:1", "doi:10.1000/x"])));
    }

    [Fact]
    public void AnIngestReplaceNamesTheVersionItReadAndIsAnUpsert()
    {
        var pk = ObjectId.GenerateNewId();
        var paper = MongoDocumentTests.Paper();

        var replace = Assert.IsType<ReplaceOneModel<PaperDocument>>(MongoPaperStore.WriteOf(paper, pk, storedVersion: 4));
        var insert = Assert.IsType<InsertOneModel<PaperDocument>>(MongoPaperStore.WriteOf(paper, pk, storedVersion: null));

        Assert.True(replace.IsUpsert);
        Assert.Equal(new BsonDocument { { "_id", pk }, { "writeVersion", 4L } }, Render(replace.Filter));
        Assert.Equal(5, replace.Replacement.WriteVersion);
        Assert.Equal(pk, replace.Replacement.Pk);
        Assert.Equal(1, insert.Document.WriteVersion);
    }

    [Fact]
    public void MarkAnnouncedOnlyRaisesAndMovesTheVersion()
    {
        var mark = MongoPaperStore.MarkAnnounced("2501.00042v3", 2);

        Assert.Equal(
            new BsonDocument { { "keys", "arxiv:2501.00042" }, { "announcedRevision", new BsonDocument("$lt", 2) } },
            Render(mark.Filter));
        Assert.Equal(
            new BsonDocument { { "$set", new BsonDocument("announcedRevision", 2) }, { "$inc", new BsonDocument("writeVersion", 1L) } },
            Render(mark.Update));
    }

    [Fact]
    public void APollsOutcomeIsOneUpdate()
    {
        var success = Render(MongoSourceStateStore.SuccessUpdate(null, new Dictionary<string, HttpValidators> { ["https://a.example/feed"] = new("e", null) }, 7, At));
        var failure = Render(MongoSourceStateStore.FailureUpdate("HTTP 503", At, At.AddMinutes(5)));

        Assert.Equal(new BsonDocument { { "checkpoint", 1 }, { "backoffUntil", 1 } }, success["$unset"].AsBsonDocument);
        var set = success["$set"].AsBsonDocument;
        Assert.Equal(new BsonArray { new BsonDocument { { "url", "https://a.example/feed" }, { "etag", "e" } } }, set["validators"]);
        Assert.Equal((0, 7), (set["consecutiveErrors"].AsInt32, set["lastPaperCount"].AsInt32));
        Assert.Equal(At.Ticks, set["lastSuccessAt"]["Ticks"].ToInt64());
        Assert.Equal(new BsonDocument("consecutiveErrors", 1), failure["$inc"].AsBsonDocument);
        Assert.Equal("HTTP 503", failure["$set"]["lastError"].AsString);
        Assert.Equal(At.AddMinutes(5).Ticks, failure["$set"]["backoffUntil"]["Ticks"].ToInt64());
        Assert.Equal(At.Ticks, Render(MongoSourceStateStore.SuccessUpdate("cp", new Dictionary<string, HttpValidators>(), 1, At))["$set"]["lastSuccessAt"]["Ticks"].ToInt64());
    }

    [Fact]
    public void DueAndWaitingCompareMillisecondDates()
    {
        Assert.Equal(
            new BsonDocument("dueAt", new BsonDocument("$lte", new BsonDateTime(MongoTime.ToMillis(At)))),
            Render(MongoDeliveryStore.Due(At.AddTicks(9_999))));
        Assert.Equal(
            new BsonDocument { { "subscriptionId", "sub_a" }, { "deliveryId", BsonNull.Value }, { "matchedAt", new BsonDocument("$lt", new BsonDateTime(MongoTime.ToMillis(At))) } },
            Render(MongoDeliveryStore.Waiting("sub_a", At)));
    }

    [Fact]
    public void TheIndexesAreTheOnesTheQueriesNeed()
    {
        static (string Name, BsonDocument Keys, bool Unique, BsonDocument? Partial) Describe<T>(CreateIndexModel<T> model) =>
            (model.Options.Name, Render(model.Keys), model.Options.Unique == true,
             (model.Options as CreateIndexOptions<T>)?.PartialFilterExpression is { } partial ? Render(partial) : null);

        Assert.Equal(
            [
                ("keys_unique", new BsonDocument("keys", 1), true, null),
                ("sortAt_id", new BsonDocument { { "sortAt", -1 }, { "_id", -1 } }, false, null),
                ("source_sortAt_id", new BsonDocument { { "sightings.source", 1 }, { "sortAt", -1 }, { "_id", -1 } }, false, null),
                ("words", new BsonDocument("words", 1), false, null),
            ],
            MongoDatabaseContext.PaperIndexes.Select(Describe));
        Assert.Equal(
            [
                ("id_unique", new BsonDocument("id", 1), true, null),
                ("key_unique", new BsonDocument("key", 1), true, null),
                ("subscriptionId_id", new BsonDocument { { "subscriptionId", 1 }, { "_id", -1 } }, false, null),
                ("dueAt", new BsonDocument("dueAt", 1), false, new BsonDocument("dueAt", new BsonDocument("$exists", true))),
            ],
            MongoDatabaseContext.DeliveryIndexes.Select(Describe));
        Assert.Equal(
            [
                ("subscriptionId_paperId_unique", new BsonDocument { { "subscriptionId", 1 }, { "paperId", 1 } }, true, null),
                ("waiting", new BsonDocument { { "deliveryId", 1 }, { "subscriptionId", 1 }, { "matchedAt", 1 } }, false, null),
            ],
            MongoDatabaseContext.DigestItemIndexes.Select(Describe));
        Assert.Equal([("updatedAtUtc", new BsonDocument("updatedAtUtc", 1), false, null)], MongoDatabaseContext.SubscriptionIndexes.Select(Describe));
        Assert.Equal([("deletedAt", new BsonDocument("deletedAt", 1), false, null)], MongoDatabaseContext.SubscriptionDeletionIndexes.Select(Describe));
    }
}
