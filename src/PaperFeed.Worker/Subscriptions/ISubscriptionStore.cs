namespace PaperFeed.Worker.Subscriptions;

/// <summary>Subscriptions, and the few server-wide secrets PaperFeed generates for itself.</summary>
public interface ISubscriptionStore
{
    /// <summary>Stores a new subscription (its id must be new).</summary>
    Task AddAsync(Subscription subscription, CancellationToken cancellationToken);

    Task<Subscription?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every subscription (any status), ordered by id.</summary>
    Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Subscriptions changed at or after <paramref name="since"/>, and the ids deleted since then.</summary>
    Task<SubscriptionChanges> ListChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> to the stored subscription and saves the result (UpdatedAt is set by the
    /// caller). Returns the saved subscription, or null when there is none with that id.
    /// </summary>
    Task<Subscription?> UpdateAsync(string id, Func<Subscription, Subscription> change, CancellationToken cancellationToken);

    /// <summary>Deletes the subscription; true if it existed.</summary>
    Task<bool> DeleteAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>A named server secret: the stored one, or <paramref name="create"/>'s value stored now (first writer wins).</summary>
    Task<string> GetOrCreateSecretAsync(string name, Func<string> create, CancellationToken cancellationToken);
}

/// <summary>What changed since a moment: for keeping an in-memory index current.</summary>
public sealed record SubscriptionChanges(IReadOnlyList<Subscription> Changed, IReadOnlyList<string> Deleted);
