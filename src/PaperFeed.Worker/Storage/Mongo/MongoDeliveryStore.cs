using MongoDB.Bson;
using MongoDB.Driver;
using PaperFeed.Worker.Notifications;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// Deliveries and digest items in MongoDB. A delivery is created once per key (unique index; the loser of a race
/// reads the winner's). The claim is one atomic <c>findOneAndUpdate</c> whose filter is
/// <see cref="DeliveryTransitions.IsClaimable"/> written as a query (<see cref="ClaimableFilter"/>) and whose update
/// is <see cref="DeliveryTransitions.Claim"/> written as update operators (<see cref="ClaimUpdate"/>), so two
/// workers can never both claim one delivery. Recording an attempt and replaying apply the pure transitions to the
/// document as read and replace it only if its <c>writeVersion</c> is still the one read.
/// </summary>
public sealed class MongoDeliveryStore(MongoDatabaseContext context) : IDeliveryStore
{
    /// <summary>Read-transform-replace tries before giving up on a delivery that keeps changing underneath.</summary>
    private const int MaxChangeAttempts = 10;

    private static readonly FilterDefinitionBuilder<DeliveryDocument> Filter = Builders<DeliveryDocument>.Filter;

    public async Task<EnqueueResult> TryEnqueueAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await context.InitializeAsync(cancellationToken);
        try
        {
            await context.Deliveries.InsertOneAsync(DeliveryDocument.From(delivery, ObjectId.GenerateNewId(), 1), cancellationToken: cancellationToken);
            return new EnqueueResult(delivery, Created: true);
        }
        catch (MongoWriteException e) when (e.WriteError?.Category == ServerErrorCategory.DuplicateKey)
        {
            var stored = await context.Deliveries.Find(Filter.Eq(d => d.Key, delivery.Key)).FirstOrDefaultAsync(cancellationToken);
            if (stored is null)
            {
                // Not the key: another delivery has this id. That is a bug of the caller, not a duplicate.
                throw;
            }

            return new EnqueueResult(stored.ToDelivery(), Created: false);
        }
    }

    public async Task<Delivery?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        var document = await context.Deliveries.Find(Filter.Eq(d => d.DeliveryId, id)).FirstOrDefaultAsync(cancellationToken);
        return document?.ToDelivery();
    }

    public async Task<Delivery?> TryClaimAsync(string id, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        var claimed = await context.Deliveries.FindOneAndUpdateAsync(
            ClaimableFilter(id, now),
            ClaimUpdate(now, until),
            new FindOneAndUpdateOptions<DeliveryDocument> { ReturnDocument = ReturnDocument.After },
            cancellationToken);
        return claimed?.ToDelivery();
    }

    public async Task<Delivery> RecordAttemptAsync(string id, AttemptRecord attempt, CancellationToken cancellationToken) =>
        await ChangeAsync(id, d => DeliveryTransitions.Record(d, attempt), cancellationToken)
        ?? throw new InvalidOperationException($"delivery {id} does not exist");

    public Task<Delivery?> ReplayAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(id, d => DeliveryTransitions.Replay(d, now), cancellationToken);

    public async Task<IReadOnlyList<string>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        await context.InitializeAsync(cancellationToken);
        return await context.Deliveries
            .Find(Due(now))
            .Sort(Builders<DeliveryDocument>.Sort.Ascending(d => d.DueAt))
            .Limit(limit)
            .Project(d => d.DeliveryId)
            .ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Delivery>> ListBySubscriptionAsync(string subscriptionId, int limit, string? before, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        await context.InitializeAsync(cancellationToken);
        var filter = Filter.Eq(d => d.SubscriptionId, subscriptionId);
        if (before is not null)
        {
            var anchor = await context.Deliveries.Find(Filter.Eq(d => d.DeliveryId, before)).FirstOrDefaultAsync(cancellationToken);
            if (anchor is null)
            {
                return [];
            }

            filter &= Filter.Lt(d => d.Pk, anchor.Pk);
        }

        var documents = await context.Deliveries
            .Find(filter)
            .Sort(Builders<DeliveryDocument>.Sort.Descending(d => d.Pk))
            .Limit(limit)
            .ToListAsync(cancellationToken);
        return documents.Select(d => d.ToDelivery()).ToList();
    }

    public async Task<IReadOnlyDictionary<DeliveryState, long>> CountByStateAsync(CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        PipelineDefinition<DeliveryDocument, BsonDocument> countByState = new BsonDocument[]
        {
            new("$group", new BsonDocument { { "_id", "$state" }, { "count", new BsonDocument("$sum", 1) } }),
        };
        var groups = await context.Deliveries.Aggregate(countByState, cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        var counts = Enum.GetValues<DeliveryState>().ToDictionary(s => s, _ => 0L);
        foreach (var group in groups)
        {
            counts[Enum.Parse<DeliveryState>(group["_id"].AsString)] = group["count"].ToInt64();
        }

        return counts;
    }

    public async Task AddDigestItemAsync(DigestItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await context.InitializeAsync(cancellationToken);
        try
        {
            await context.DigestItems.InsertOneAsync(DigestItemDocument.From(item, ObjectId.GenerateNewId()), cancellationToken: cancellationToken);
        }
        catch (MongoWriteException e) when (e.WriteError?.Category == ServerErrorCategory.DuplicateKey)
        {
            // This paper already waits for the subscription's digest (or was sent in one): the first match stands.
        }
    }

    public async Task<IReadOnlyList<string>> ListSubscriptionsWithDigestItemsAsync(CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        using var cursor = await context.DigestItems.DistinctAsync(
            i => i.SubscriptionId, Builders<DigestItemDocument>.Filter.Eq(i => i.DeliveryId, null), cancellationToken: cancellationToken);
        var ids = await cursor.ToListAsync(cancellationToken);
        return ids.Order(StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<DigestItem>> ListDigestItemsAsync(string subscriptionId, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        var documents = await context.DigestItems
            .Find(Waiting(subscriptionId, before))
            .Sort(Builders<DigestItemDocument>.Sort.Ascending(i => i.MatchedAt).Ascending(i => i.PaperId))
            .ToListAsync(cancellationToken);
        return documents.Select(d => d.ToItem()).ToList();
    }

    public async Task AssignDigestItemsAsync(string subscriptionId, IReadOnlyCollection<string> paperIds, string deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paperIds);
        if (paperIds.Count == 0)
        {
            return;
        }

        await context.InitializeAsync(cancellationToken);
        var items = Builders<DigestItemDocument>.Filter;
        await context.DigestItems.UpdateManyAsync(
            items.Eq(i => i.SubscriptionId, subscriptionId) & items.In(i => i.PaperId, paperIds) & items.Eq(i => i.DeliveryId, null),
            Builders<DigestItemDocument>.Update.Set(i => i.DeliveryId, deliveryId),
            cancellationToken: cancellationToken);
    }

    /// <summary>Deliveries the retry job should look at: due at or before <paramref name="now"/> (to the millisecond, as in SQLite).</summary>
    internal static FilterDefinition<DeliveryDocument> Due(DateTimeOffset now) => Filter.Lte(d => d.DueAt, MongoTime.ToMillis(now));

    /// <summary>A subscription's digest items not yet in a digest, matched before <paramref name="before"/>.</summary>
    internal static FilterDefinition<DigestItemDocument> Waiting(string subscriptionId, DateTimeOffset before)
    {
        var items = Builders<DigestItemDocument>.Filter;
        return items.Eq(i => i.SubscriptionId, subscriptionId) & items.Eq(i => i.DeliveryId, null) & items.Lt(i => i.MatchedAt, MongoTime.ToMillis(before));
    }

    /// <summary>
    /// <see cref="DeliveryTransitions.IsClaimable"/> as a query on the delivery <paramref name="id"/>: pending; or failed
    /// with no next attempt or one at or before <paramref name="now"/>; or sending with no claim or one that lapsed at or
    /// before <paramref name="now"/>. Times are compared in UTC ticks, as DateTimeOffset compares them.
    /// </summary>
    internal static FilterDefinition<DeliveryDocument> ClaimableFilter(string id, DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        return Filter.Eq(d => d.DeliveryId, id)
            & (Filter.Eq(d => d.State, DeliveryState.Pending)
                | (Filter.Eq(d => d.State, DeliveryState.Failed) & (Filter.Eq(d => d.NextAttemptTicks, null) | Filter.Lte(d => d.NextAttemptTicks, ticks)))
                | (Filter.Eq(d => d.State, DeliveryState.Sending) & (Filter.Eq(d => d.ClaimedUntilTicks, null) | Filter.Lte(d => d.ClaimedUntilTicks, ticks))));
    }

    /// <summary>
    /// <see cref="DeliveryTransitions.Claim"/> as update operators: sending until <paramref name="until"/>, one more
    /// attempt, last attempted <paramref name="now"/>, and the derived fields (<c>dueAt</c> is when the claim lapses).
    /// </summary>
    internal static UpdateDefinition<DeliveryDocument> ClaimUpdate(DateTimeOffset now, DateTimeOffset until) =>
        Builders<DeliveryDocument>.Update
            .Set(d => d.State, DeliveryState.Sending)
            .Set(d => d.ClaimedUntil, until)
            .Set(d => d.LastAttemptAt, now)
            .Set(d => d.DueAt, MongoTime.ToMillis(until))
            .Set(d => d.ClaimedUntilTicks, until.UtcTicks)
            .Inc(d => d.Attempts, 1)
            .Inc(d => d.WriteVersion, 1L);

    /// <summary>Reads, transforms (null: leave as is and return null) and replaces one delivery unless another write came between.</summary>
    private async Task<Delivery?> ChangeAsync(string id, Func<Delivery, Delivery?> change, CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        for (var attempt = 0; attempt < MaxChangeAttempts; attempt++)
        {
            var current = await context.Deliveries.Find(Filter.Eq(d => d.DeliveryId, id)).FirstOrDefaultAsync(cancellationToken);
            if (current is null || change(current.ToDelivery()) is not { } next)
            {
                return null;
            }

            var replaced = await context.Deliveries.ReplaceOneAsync(
                Filter.Eq(d => d.Pk, current.Pk) & Filter.Eq(d => d.WriteVersion, current.WriteVersion),
                DeliveryDocument.From(next, current.Pk, current.WriteVersion + 1),
                cancellationToken: cancellationToken);
            if (replaced.MatchedCount == 1)
            {
                return next;
            }
        }

        throw new InvalidOperationException($"mongo delivery store: delivery {id} kept changing under other writers; try again");
    }
}
