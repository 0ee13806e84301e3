using PaperFeed.Contracts;

namespace PaperFeed.Worker.Subscriptions.Matching;

// Placeholder with the final API; replaced by the indexed implementation.
public sealed class SubscriptionIndex
{
    private readonly Dictionary<string, Subscription> _all = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public int Count { get { lock (_lock) { return _all.Count; } } }

    public void Upsert(Subscription subscription)
    {
        lock (_lock)
        {
            if (subscription.IsActive) { _all[subscription.Id] = subscription; } else { _all.Remove(subscription.Id); }
        }
    }

    public void Remove(string id) { lock (_lock) { _all.Remove(id); } }

    public void ReplaceAll(IEnumerable<Subscription> subscriptions)
    {
        lock (_lock)
        {
            _all.Clear();
            foreach (var s in subscriptions.Where(s => s.IsActive)) { _all[s.Id] = s; }
        }
    }

    public IReadOnlyList<Subscription> Match(PaperSummary paper)
    {
        lock (_lock)
        {
            return _all.Values.Where(s => s.Filter.Keywords.Any(k => paper.Title.Contains(k, StringComparison.OrdinalIgnoreCase))).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        }
    }
}
