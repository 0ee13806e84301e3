using MongoDB.Driver;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// Subscriptions in MongoDB, one <see cref="SubscriptionDocument"/> each (<c>_id</c> is the subscription id), plus
/// deletion markers and server secrets. An update reads the subscription, applies the change and replaces it only if
/// its <c>writeVersion</c> is still the one read (else it reads again, so the change may run more than once).
/// </summary>
public sealed class MongoSubscriptionStore(MongoDatabaseContext context) : ISubscriptionStore
{
    /// <summary>Read-change-replace tries before giving up on a subscription that keeps changing underneath.</summary>
    private const int MaxChangeAttempts = 10;

    /// <summary>Reads of a secret another worker is writing before giving up on seeing it committed.</summary>
    private const int MaxSecretReads = 20;

    private static readonly FilterDefinitionBuilder<SubscriptionDocument> Filter = Builders<SubscriptionDocument>.Filter;

    public async Task AddAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        await context.InitializeAsync(cancellationToken);
        // A second subscription with the same id is a duplicate key error, as it is a constraint error in SQLite.
        await context.Subscriptions.InsertOneAsync(SubscriptionDocument.From(subscription, 1), cancellationToken: cancellationToken);
    }

    public async Task<Subscription?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        var document = await context.Subscriptions.Find(Filter.Eq(s => s.SubscriptionId, id)).FirstOrDefaultAsync(cancellationToken);
        return document?.ToSubscription();
    }

    public async Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken) =>
        await QueryAsync(Filter.Empty, cancellationToken);

    public async Task<SubscriptionChanges> ListChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var at = MongoTime.ToMillis(since);
        var changed = await QueryAsync(Filter.Gte(s => s.UpdatedAtUtc, at), cancellationToken);
        var deleted = await context.SubscriptionDeletions
            .Find(Builders<SubscriptionDeletionDocument>.Filter.Gte(d => d.DeletedAt, at))
            .Sort(Builders<SubscriptionDeletionDocument>.Sort.Ascending(d => d.SubscriptionId))
            .Project(d => d.SubscriptionId)
            .ToListAsync(cancellationToken);
        return new SubscriptionChanges(changed, deleted);
    }

    public async Task<Subscription?> UpdateAsync(string id, Func<Subscription, Subscription> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await context.InitializeAsync(cancellationToken);
        for (var attempt = 0; attempt < MaxChangeAttempts; attempt++)
        {
            var current = await context.Subscriptions.Find(Filter.Eq(s => s.SubscriptionId, id)).FirstOrDefaultAsync(cancellationToken);
            if (current is null)
            {
                return null;
            }

            var updated = change(current.ToSubscription()) with { Id = current.SubscriptionId };
            var replaced = await context.Subscriptions.ReplaceOneAsync(
                Filter.Eq(s => s.SubscriptionId, current.SubscriptionId) & Filter.Eq(s => s.WriteVersion, current.WriteVersion),
                SubscriptionDocument.From(updated, current.WriteVersion + 1),
                cancellationToken: cancellationToken);
            if (replaced.MatchedCount == 1)
            {
                return updated;
            }
        }

        throw new InvalidOperationException($"mongo subscription store: subscription {id} kept changing under other writers; try again");
    }

    public async Task<bool> DeleteAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        var deleted = await context.Subscriptions.DeleteOneAsync(Filter.Eq(s => s.SubscriptionId, id), cancellationToken);
        if (deleted.DeletedCount == 0)
        {
            return false;
        }

        // Not atomic with the delete (SQLite's is): should this process die in between, other workers keep the
        // subscription in their matching index until they restart; its deliveries then find no subscription.
        await context.SubscriptionDeletions.UpdateOneAsync(
            Builders<SubscriptionDeletionDocument>.Filter.Eq(d => d.SubscriptionId, id),
            Builders<SubscriptionDeletionDocument>.Update.Set(d => d.DeletedAt, MongoTime.ToMillis(at)),
            new UpdateOptions { IsUpsert = true },
            cancellationToken);
        return true;
    }

    public async Task<string> GetOrCreateSecretAsync(string name, Func<string> create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(create);
        await context.InitializeAsync(cancellationToken);
        // Read with read concern majority: a secret that a failover could still roll back must not be handed out
        // (tokens signed with it would stop verifying). The first insert wins; a loser reads the winner's value once a
        // majority has it.
        var secrets = context.ServerSecrets.WithReadConcern(ReadConcern.Majority);
        var byName = Builders<ServerSecretDocument>.Filter.Eq(s => s.Name, name);
        string? value = null;
        for (var read = 0; read < MaxSecretReads; read++)
        {
            if (await secrets.Find(byName).FirstOrDefaultAsync(cancellationToken) is { } stored)
            {
                return stored.Value;
            }

            try
            {
                value ??= create();
                await context.ServerSecrets.InsertOneAsync(new ServerSecretDocument { Name = name, Value = value }, cancellationToken: cancellationToken);
                return value;
            }
            catch (MongoWriteException e) when (e.WriteError?.Category == ServerErrorCategory.DuplicateKey)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }

        throw new InvalidOperationException($"mongo subscription store: the server secret '{name}' exists but could not be read with read concern majority");
    }

    private async Task<List<Subscription>> QueryAsync(FilterDefinition<SubscriptionDocument> filter, CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        var documents = await context.Subscriptions
            .Find(filter)
            .Sort(Builders<SubscriptionDocument>.Sort.Ascending(s => s.SubscriptionId))
            .ToListAsync(cancellationToken);
        return documents.Select(d => d.ToSubscription()).ToList();
    }
}
