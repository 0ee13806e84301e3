using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Storage.Mongo;
using PaperFeed.Worker.Storage.Sqlite;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Tests.Storage;

/// <summary>
/// The MongoDB claim, without a server: the filter and update the store sends are rendered to BSON as the driver
/// sends them, then evaluated here on the document as stored, and must agree with <see cref="DeliveryTransitions"/>
/// on every case. The evaluator knows only the operators the claim uses (implicit equality with MongoDB's null
/// semantics, <c>$and</c>, <c>$or</c>, <c>$lte</c>; <c>$set</c>, <c>$inc</c>) and fails on anything else.
/// </summary>
public sealed class MongoClaimTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Until = Now.AddMinutes(2);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private static Delivery Make(DeliveryState state, DateTimeOffset? next = null, DateTimeOffset? claimedUntil = null) => new()
    {
        Id = "dlv_1",
        Key = "sub_a|arxiv:1|webhook",
        SubscriptionId = "sub_a",
        Kind = DeliveryKind.Alert,
        Event = "paper.added",
        Channel = ChannelKind.Webhook,
        State = state,
        Attempts = 3,
        CreatedAt = Now.AddHours(-1),
        NextAttemptAt = next,
        ClaimedUntil = claimedUntil,
        LastAttemptAt = Now.AddMinutes(-30),
    };

    public static TheoryData<string, Delivery> Cases() => new()
    {
        { "pending", Make(DeliveryState.Pending, next: Now.AddMinutes(1)) },
        { "pending, nothing scheduled", Make(DeliveryState.Pending) },
        { "pending, claim left over", Make(DeliveryState.Pending, claimedUntil: Now.AddHours(1)) },
        { "failed, due earlier", Make(DeliveryState.Failed, next: Now.AddMinutes(-1)) },
        { "failed, due now", Make(DeliveryState.Failed, next: Now) },
        { "failed, due a tick later", Make(DeliveryState.Failed, next: Now + Tick) },
        { "failed, due a tick earlier", Make(DeliveryState.Failed, next: Now - Tick) },
        { "failed, due in a minute", Make(DeliveryState.Failed, next: Now.AddMinutes(1)) },
        { "failed, no next attempt", Make(DeliveryState.Failed) },
        { "failed, due now in another offset", Make(DeliveryState.Failed, next: Now.ToOffset(TimeSpan.FromHours(-5))) },
        { "failed, due a tick later in another offset", Make(DeliveryState.Failed, next: (Now + Tick).ToOffset(TimeSpan.FromHours(9))) },
        { "failed, only a stale claim due", Make(DeliveryState.Failed, next: Now.AddMinutes(1), claimedUntil: Now.AddHours(-1)) },
        { "sending, claim lapsed", Make(DeliveryState.Sending, claimedUntil: Now.AddMinutes(-1)) },
        { "sending, claim lapses now", Make(DeliveryState.Sending, claimedUntil: Now) },
        { "sending, claim lapses a tick later", Make(DeliveryState.Sending, claimedUntil: Now + Tick) },
        { "sending, claim held", Make(DeliveryState.Sending, claimedUntil: Now.AddMinutes(1)) },
        { "sending, no claim time", Make(DeliveryState.Sending) },
        { "sending, held, next attempt due", Make(DeliveryState.Sending, next: Now.AddMinutes(-5), claimedUntil: Now.AddMinutes(1)) },
        { "delivered", Make(DeliveryState.Delivered) },
        { "delivered, old schedule", Make(DeliveryState.Delivered, next: Now.AddDays(-1)) },
        { "dead", Make(DeliveryState.Dead) },
        { "dead, old claim", Make(DeliveryState.Dead, claimedUntil: Now.AddDays(-1)) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheClaimFilterAgreesWithIsClaimable(string name, Delivery delivery)
    {
        var stored = DeliveryDocument.From(delivery, ObjectId.GenerateNewId(), 5).ToBsonDocument();

        var matches = Matches(stored, Render(MongoDeliveryStore.ClaimableFilter(delivery.Id, Now)));

        Assert.True(DeliveryTransitions.IsClaimable(delivery, Now) == matches, $"{name}: IsClaimable {!matches}, filter {matches}");
    }

    [Fact]
    public void TheClaimFilterMatchesOnlyItsOwnDelivery()
    {
        var stored = DeliveryDocument.From(Make(DeliveryState.Pending), ObjectId.GenerateNewId(), 1).ToBsonDocument();

        Assert.False(Matches(stored, Render(MongoDeliveryStore.ClaimableFilter("dlv_other", Now))));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheClaimUpdateWritesWhatClaimReturns(string name, Delivery delivery)
    {
        var claimed = DeliveryTransitions.Claim(delivery, Now, Until);
        if (claimed is null)
        {
            return; // not claimable: the filter keeps the update away (see above)
        }

        var pk = ObjectId.GenerateNewId();
        var stored = DeliveryDocument.From(delivery, pk, 5).ToBsonDocument();

        var updated = Apply(stored, RenderUpdate(MongoDeliveryStore.ClaimUpdate(Now, Until)));

        var expected = DeliveryDocument.From(claimed, pk, 6).ToBsonDocument();
        Assert.True(SameElements(expected, updated), $"{name}: expected {expected}, updated {updated}");
        Assert.Equal(
            SqliteJson.Write(claimed),
            SqliteJson.Write(BsonSerializer.Deserialize<DeliveryDocument>(updated).ToDelivery()));
    }

    [Fact]
    public void TheRenderedFilterIsOneQueryOnTopLevelFields()
    {
        var rendered = Render(MongoDeliveryStore.ClaimableFilter("dlv_1", Now));

        Assert.Equal("dlv_1", rendered["id"].AsString);
        var or = rendered["$or"].AsBsonArray.Select(c => c.AsBsonDocument).ToList();
        Assert.Equal(["Pending", "Failed", "Sending"], or.Select(c => c["state"].AsString));
        Assert.Equal(Now.UtcTicks, or[1]["$or"][1]["nextAttemptTicks"]["$lte"].AsInt64);
        Assert.Equal(Now.UtcTicks, or[2]["$or"][1]["claimedUntilTicks"]["$lte"].AsInt64);
    }

    private static BsonDocument Render(FilterDefinition<DeliveryDocument> filter) =>
        filter.Render(new RenderArgs<DeliveryDocument>(BsonSerializer.LookupSerializer<DeliveryDocument>(), BsonSerializer.SerializerRegistry));

    private static BsonDocument RenderUpdate(UpdateDefinition<DeliveryDocument> update) =>
        update.Render(new RenderArgs<DeliveryDocument>(BsonSerializer.LookupSerializer<DeliveryDocument>(), BsonSerializer.SerializerRegistry)).AsBsonDocument;

    private static bool Matches(BsonDocument document, BsonDocument filter) => filter.All(element => element.Name switch
    {
        "$and" => element.Value.AsBsonArray.All(c => Matches(document, c.AsBsonDocument)),
        "$or" => element.Value.AsBsonArray.Any(c => Matches(document, c.AsBsonDocument)),
        _ when element.Name.StartsWith('$') => throw new NotSupportedException($"operator {element.Name}"),
        _ => FieldMatches(document.GetValue(element.Name, null), element.Value),
    });

    private static bool FieldMatches(BsonValue? value, BsonValue condition)
    {
        if (condition is BsonDocument operators && operators.ElementCount > 0 && operators.GetElement(0).Name.StartsWith('$'))
        {
            return operators.All(op => op.Name switch
            {
                "$eq" => FieldMatches(value, op.Value),
                "$lte" => value is not null && !value.IsBsonNull && value.BsonType == op.Value.BsonType && value.CompareTo(op.Value) <= 0,
                _ => throw new NotSupportedException($"operator {op.Name}"),
            });
        }

        // { field: null } matches a missing field too.
        return condition.IsBsonNull ? value is null || value.IsBsonNull : value is not null && value.Equals(condition);
    }

    private static BsonDocument Apply(BsonDocument document, BsonDocument update)
    {
        var result = document.DeepClone().AsBsonDocument;
        foreach (var op in update)
        {
            foreach (var field in op.Value.AsBsonDocument)
            {
                switch (op.Name)
                {
                    case "$set":
                        result[field.Name] = field.Value;
                        break;
                    case "$inc":
                        result[field.Name] = result.Contains(field.Name)
                            ? field.Value.BsonType == BsonType.Int64 || result[field.Name].BsonType == BsonType.Int64
                                ? new BsonInt64(result[field.Name].ToInt64() + field.Value.ToInt64())
                                : new BsonInt32(result[field.Name].ToInt32() + field.Value.ToInt32())
                            : field.Value;
                        break;
                    default:
                        throw new NotSupportedException($"update operator {op.Name}");
                }
            }
        }

        return result;
    }

    private static bool SameElements(BsonDocument expected, BsonDocument actual) =>
        expected.ElementCount == actual.ElementCount && expected.All(e => actual.Contains(e.Name) && actual[e.Name].Equals(e.Value));
}
