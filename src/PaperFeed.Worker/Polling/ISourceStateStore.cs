namespace PaperFeed.Worker.Polling;

/// <summary>HTTP validators remembered for one URL, sent back as If-None-Match / If-Modified-Since.</summary>
public sealed record HttpValidators(string? ETag, string? LastModified);

/// <summary>Everything PaperFeed remembers about polling one source.</summary>
public sealed record SourceState
{
    public required string Name { get; init; }
    public string? Checkpoint { get; init; }
    public IReadOnlyDictionary<string, HttpValidators> Validators { get; init; } = new Dictionary<string, HttpValidators>();
    public int ConsecutiveErrors { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    public int LastPaperCount { get; init; }

    /// <summary>When the last poll ended, in success or failure; null for a source never polled.</summary>
    public DateTimeOffset? LastPolledAt =>
        LastSuccessAt is { } success && (LastErrorAt is not { } error || success >= error) ? success : LastErrorAt;

    /// <summary>After a failure, scheduled polls before this time are skipped (exponential back-off).</summary>
    public DateTimeOffset? BackoffUntil { get; init; }

    /// <summary>The worker polling the source now (see <see cref="ISourceStateStore.TryAcquireLeaseAsync"/>).</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>When that worker's lease lapses unless renewed (a worker that died mid-poll holds it no longer).</summary>
    public DateTimeOffset? LeaseUntil { get; init; }
}

/// <summary>Per-source polling state: checkpoint, HTTP validators, error counts, and the poll lease.</summary>
public interface ISourceStateStore
{
    /// <summary>The state of a source; a fresh state when it was never polled.</summary>
    Task<SourceState> GetAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<SourceState>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Saves a successful poll: its checkpoint and validators, clears the error count and back-off.</summary>
    Task RecordSuccessAsync(string name, string? checkpoint, IReadOnlyDictionary<string, HttpValidators> validators, int paperCount, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Saves a failed poll: increments the error count and sets the back-off; checkpoint and validators stay.</summary>
    Task RecordFailureAsync(string name, string error, DateTimeOffset at, DateTimeOffset backoffUntil, CancellationToken cancellationToken);

    /// <summary>
    /// Takes (or renews) the right to poll the source until <paramref name="until"/>: succeeds when no worker holds
    /// it, when its holder's lease lapsed at or before <paramref name="now"/>, or when <paramref name="owner"/> holds it.
    /// Atomic across workers sharing the store.
    /// </summary>
    Task<bool> TryAcquireLeaseAsync(string name, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Gives the lease up if <paramref name="owner"/> holds it; otherwise does nothing.</summary>
    Task ReleaseLeaseAsync(string name, string owner, CancellationToken cancellationToken);
}
