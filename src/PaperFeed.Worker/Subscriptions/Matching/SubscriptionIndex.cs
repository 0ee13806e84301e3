using System.Runtime.InteropServices;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Subscriptions.Matching;

/// <summary>
/// The active subscriptions, filed so that matching a paper costs time in proportion to the subscriptions that
/// could match it rather than to all of them (an inverted index). Thread-safe: one instance serves concurrent
/// <see cref="Match(MatchablePaper)"/> calls while subscriptions are added, changed and removed.
/// <para>
/// Each subscription is filed under one anchor facet, the first of these its filter sets:
/// <list type="number">
/// <item>keywords: under one word of each keyword entry, the longest (as the least common); a paper can only
/// contain the phrase if it contains that word;</item>
/// <item>categories: under each category (<c>cs.cl</c>, or <c>cs.*</c>, which every <c>cs.</c> category of a
/// paper also answers to);</item>
/// <item>authors: under each name (a full name, or a family name for a one-word entry);</item>
/// <item>sources: under each source name;</item>
/// <item>minUpvotes: in a list ordered by the limit, of which a paper with <c>n</c> upvotes only reads the
/// entries with a limit up to <c>n</c> (none for a paper without an upvote count);</item>
/// <item>hasCode: in a list read only for papers with code;</item>
/// <item>otherwise (a filter that sets no facet) in a list read for every paper.</item>
/// </list>
/// The paper's words, category keys, author keys and sources are looked up, and every subscription found is
/// verified against its whole filter (minus what its anchor has already shown to hold), so the result is exactly
/// what <see cref="CompiledFilter.Matches(MatchablePaper)"/> over all active subscriptions would give. A
/// subscription filed under several anchors that the paper has is found more than once and returned once.
/// </para>
/// <para>
/// Verification works on numbers, not strings: the index gives every word, category, author and source that
/// some filter uses a term id, and holds each filter as one array of term ids. A paper is looked up once per
/// distinct word and key; after that, "the paper has this word" and "this phrase" are reads of per-thread arrays
/// indexed by term id and position. Postings carry what most candidates need (a few terms to look for, the
/// facets left to check, the upvote limit, the subscription and its order key), so few candidates cost more than
/// reading their posting.
/// </para>
/// <para>
/// Only subscriptions with <see cref="SubscriptionStatus.Active"/> are held; upserting any other status removes
/// the subscription. One whose filter can never match (<see cref="CompiledFilter.CanMatch"/>) is held but filed
/// nowhere. Results come ordered by id (ordinal); a change (<see cref="Upsert"/>, <see cref="Remove"/>) costs a
/// binary search and an insertion into the id-ordered list, and <see cref="ReplaceAll"/> is the way to load many.
/// </para>
/// </summary>
public sealed partial class SubscriptionIndex : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private State _state = new([]);

    // Per thread: the paper being matched, as term ids, and the matches found so far; reused from paper to paper.
    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>
    /// Completes with the first <see cref="ReplaceAll"/>, the load of every stored subscription. Matching before it
    /// would find none: a worker that starts with announcements waiting on the broker must not consume them earlier.
    /// </summary>
    public Task Loaded => _loaded.Task;

    /// <summary>How many subscriptions the index holds (all active).</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _state.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="subscription"/>, or replaces the one with its id (its old filing goes); a subscription
    /// that is not active is removed instead.
    /// </summary>
    public void Upsert(Subscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var entry = subscription.IsActive ? Entry.Create(subscription) : null;
        _lock.EnterWriteLock();
        try
        {
            _state.Remove(subscription.Id);
            if (entry is not null)
            {
                _state.Add(entry);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the subscription with <paramref name="id"/>; true if the index held it.</summary>
    public bool Remove(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        _lock.EnterWriteLock();
        try
        {
            return _state.Remove(id);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Replaces everything the index holds with the active ones of <paramref name="subscriptions"/> (for a
    /// duplicate id the last wins, and removes it when it is not active). The new index is built before the lock
    /// is taken, so matching goes on meanwhile.
    /// </summary>
    public void ReplaceAll(IEnumerable<Subscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var latest = new Dictionary<string, Subscription>(StringComparer.Ordinal);
        foreach (var subscription in subscriptions)
        {
            if (subscription.IsActive)
            {
                latest[subscription.Id] = subscription;
            }
            else
            {
                latest.Remove(subscription.Id);
            }
        }

        var entries = new Entry[latest.Count];
        var i = 0;
        foreach (var subscription in latest.Values)
        {
            entries[i++] = Entry.Create(subscription);
        }

        var state = new State(entries);
        _lock.EnterWriteLock();
        try
        {
            _state = state;
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        _loaded.TrySetResult();
    }

    /// <summary>The active subscriptions whose filter matches <paramref name="paper"/>, ordered by id.</summary>
    public IReadOnlyList<Subscription> Match(PaperSummary paper) => Match(MatchablePaper.From(paper));

    /// <summary>The active subscriptions whose filter matches <paramref name="paper"/>, ordered by id.</summary>
    public IReadOnlyList<Subscription> Match(MatchablePaper paper)
    {
        ArgumentNullException.ThrowIfNull(paper);
        var scratch = t_scratch ??= new Scratch();
        _lock.EnterReadLock();
        try
        {
            var state = _state;
            scratch.Load(state, paper);
            foreach (var term in scratch.AnchorTerms)
            {
                Verify(state.Postings(term), scratch);
            }

            if (paper.Upvotes is { } upvotes)
            {
                foreach (ref readonly var posting in CollectionsMarshal.AsSpan(state.ByMinUpvotes))
                {
                    if (posting.MinUpvotes > upvotes)
                    {
                        break;
                    }

                    Consider(posting, scratch);
                }
            }

            if (paper.HasCode)
            {
                Verify(CollectionsMarshal.AsSpan(state.WithCode), scratch);
            }

            Verify(CollectionsMarshal.AsSpan(state.Unanchored), scratch);
            foreach (ref readonly var posting in scratch.ReadDeferred())
            {
                if (FilterProgram.Matches(posting.Program, scratch, posting.Skip))
                {
                    scratch.AddMatch(posting);
                }
            }

            return scratch.Matches();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private static void Verify(ReadOnlySpan<Posting> postings, Scratch scratch)
    {
        // One filed under several anchors the paper has is verified once per anchor, and kept once.
        foreach (ref readonly var posting in postings)
        {
            Consider(posting, scratch);
        }
    }

    /// <summary>
    /// Decides a candidate from its posting where it can: the terms it needs, excludes or needs one of, upvotes
    /// and code are checked from the posting itself. One with more left to check is deferred until every
    /// candidate has been seen, and its filter's program read then (<see cref="Scratch.Defer"/>).
    /// </summary>
    private static void Consider(in Posting posting, Scratch scratch)
    {
        if ((posting.Need >= 0 && !scratch.Has(posting.Need))
            || (posting.Absent >= 0 && scratch.Has(posting.Absent))
            || (posting.Any1 >= 0 && !scratch.Has(posting.Any1) && !(posting.Any2 >= 0 && scratch.Has(posting.Any2))))
        {
            return;
        }

        var rest = posting.Remaining;
        if ((rest & ~(FilterFacets.MinUpvotes | FilterFacets.HasCode)) != 0)
        {
            scratch.Defer(posting);
        }
        else if (((rest & FilterFacets.MinUpvotes) == 0 || scratch.Upvotes >= posting.MinUpvotes)
            && ((rest & FilterFacets.HasCode) == 0 || scratch.HasCode))
        {
            scratch.AddMatch(posting);
        }
    }

    public void Dispose() => _lock.Dispose();
}
