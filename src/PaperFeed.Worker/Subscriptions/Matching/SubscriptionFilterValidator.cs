namespace PaperFeed.Worker.Subscriptions.Matching;

// Placeholder with the final API; replaced by the full validator.
public static class SubscriptionFilterValidator
{
    public static IReadOnlyList<string> Validate(SubscriptionFilter? filter) =>
        filter is null || (filter.Keywords.Count == 0 && filter.Categories.Count == 0 && filter.Authors.Count == 0 && filter.Sources.Count == 0 && filter.MinUpvotes is null && !filter.HasCode)
            ? ["filter needs at least one of keywords, categories, authors, sources, minUpvotes or hasCode"]
            : [];
}
