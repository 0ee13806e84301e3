using MongoDB.Driver;
using PaperFeed.Worker.Polling;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// Per-source polling state in MongoDB, one <see cref="SourceStateDocument"/> per source name. Each poll's outcome is
/// one atomic upsert with update operators (a failure increments the error count with <c>$inc</c>), so no read is
/// needed and two writers cannot lose each other's count.
/// </summary>
public sealed class MongoSourceStateStore(MongoDatabaseContext context) : ISourceStateStore
{
    private static readonly FilterDefinitionBuilder<SourceStateDocument> Filter = Builders<SourceStateDocument>.Filter;
    private static readonly UpdateDefinitionBuilder<SourceStateDocument> Update = Builders<SourceStateDocument>.Update;

    public async Task<SourceState> GetAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await context.InitializeAsync(cancellationToken);
        var document = await context.SourceStates.Find(Filter.Eq(s => s.Name, name)).FirstOrDefaultAsync(cancellationToken);
        return document?.ToState() ?? new SourceState { Name = name };
    }

    public async Task<IReadOnlyList<SourceState>> ListAsync(CancellationToken cancellationToken)
    {
        await context.InitializeAsync(cancellationToken);
        var documents = await context.SourceStates
            .Find(Filter.Empty)
            .Sort(Builders<SourceStateDocument>.Sort.Ascending(s => s.Name))
            .ToListAsync(cancellationToken);
        return documents.Select(d => d.ToState()).ToList();
    }

    public Task RecordSuccessAsync(
        string name, string? checkpoint, IReadOnlyDictionary<string, HttpValidators> validators, int paperCount, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpsertAsync(name, SuccessUpdate(checkpoint, validators, paperCount, at), cancellationToken);

    public Task RecordFailureAsync(string name, string error, DateTimeOffset at, DateTimeOffset backoffUntil, CancellationToken cancellationToken) =>
        UpsertAsync(name, FailureUpdate(error, at, backoffUntil), cancellationToken);

    public async Task<bool> TryAcquireLeaseAsync(string name, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await context.InitializeAsync(cancellationToken);
        try
        {
            // Free, lapsed or ours: take it. When the document exists but is held by another worker, the upsert tries
            // to insert a second document with the same _id and fails with a duplicate key: not acquired.
            var result = await context.SourceStates.UpdateOneAsync(
                LeaseFilter(name, owner, now),
                Update.Set(s => s.LeaseOwner, owner).Set(s => s.LeaseUntil, MongoTime.ToMillis(until)),
                new UpdateOptions { IsUpsert = true },
                cancellationToken);
            return result.MatchedCount == 1 || result.UpsertedId is not null;
        }
        catch (MongoWriteException e) when (e.WriteError?.Category == ServerErrorCategory.DuplicateKey)
        {
            return false;
        }
    }

    public async Task ReleaseLeaseAsync(string name, string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await context.InitializeAsync(cancellationToken);
        await context.SourceStates.UpdateOneAsync(
            Filter.Eq(s => s.Name, name) & Filter.Eq(s => s.LeaseOwner, owner),
            Update.Unset(s => s.LeaseOwner).Unset(s => s.LeaseUntil),
            cancellationToken: cancellationToken);
    }

    /// <summary>The source's document when its lease is free (no owner), lapsed at or before <paramref name="now"/>, or held by <paramref name="owner"/>.</summary>
    internal static FilterDefinition<SourceStateDocument> LeaseFilter(string name, string owner, DateTimeOffset now) =>
        Filter.Eq(s => s.Name, name)
        & (Filter.Eq(s => s.LeaseOwner, null) | Filter.Lte(s => s.LeaseUntil, MongoTime.ToMillis(now)) | Filter.Eq(s => s.LeaseOwner, owner));

    /// <summary>A successful poll: its checkpoint and validators, the error count and back-off cleared.</summary>
    internal static UpdateDefinition<SourceStateDocument> SuccessUpdate(
        string? checkpoint, IReadOnlyDictionary<string, HttpValidators> validators, int paperCount, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(validators);
        return Update.Combine(
            checkpoint is null ? Update.Unset(s => s.Checkpoint) : Update.Set(s => s.Checkpoint, checkpoint),
            Update.Set(s => s.Validators, ValidatorsDocument.From(validators)),
            Update.Set(s => s.ConsecutiveErrors, 0),
            Update.Unset(s => s.BackoffUntil),
            Update.Set(s => s.LastSuccessAt, at),
            Update.Set(s => s.LastPaperCount, paperCount));
    }

    /// <summary>A failed poll: one more consecutive error, the error and the back-off; checkpoint and validators stay.</summary>
    internal static UpdateDefinition<SourceStateDocument> FailureUpdate(string error, DateTimeOffset at, DateTimeOffset backoffUntil) =>
        Update.Inc(s => s.ConsecutiveErrors, 1)
            .Set(s => s.LastError, error)
            .Set(s => s.LastErrorAt, at)
            .Set(s => s.BackoffUntil, backoffUntil);

    private async Task UpsertAsync(string name, UpdateDefinition<SourceStateDocument> update, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await context.InitializeAsync(cancellationToken);
        // An upsert whose filter is only the _id is retried by the server when two of them race to insert.
        await context.SourceStates.UpdateOneAsync(Filter.Eq(s => s.Name, name), update, new UpdateOptions { IsUpsert = true }, cancellationToken);
    }
}
