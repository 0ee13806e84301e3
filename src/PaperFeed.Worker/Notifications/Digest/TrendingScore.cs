namespace PaperFeed.Worker.Notifications.Digest;

// Placeholder with the final API; replaced by the documented score.
public static class TrendingScore
{
    public static IReadOnlyList<DeliveryPaper> Rank(IEnumerable<DeliveryPaper> papers, DateTimeOffset now) =>
        papers.OrderByDescending(p => p.Paper.Metrics.Upvotes ?? 0).Select(p => p with { Score = p.Paper.Metrics.Upvotes ?? 0 }).ToList();
}
