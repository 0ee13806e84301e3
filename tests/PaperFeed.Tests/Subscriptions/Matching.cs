using PaperFeed.Contracts;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Tests.Subscriptions;

/// <summary>Papers and subscriptions for the matching tests.</summary>
internal static class Matching
{
    public static PaperSummary Paper(
        string title = "A paper",
        string? @abstract = null,
        string[]? authors = null,
        string[]? categories = null,
        string[]? sources = null,
        int? upvotes = null,
        string? code = null) =>
        new(
            title,
            @abstract,
            authors ?? [],
            categories ?? [],
            sources ?? ["arxiv-cs"],
            Version: 1,
            PublishedAt: null,
            new PaperLinks { Code = code },
            new PaperMetrics { Upvotes = upvotes },
            WithdrawnAt: null,
            Revision: 1);

    public static Subscription Subscription(string id, SubscriptionFilter filter, SubscriptionStatus status = SubscriptionStatus.Active) => new()
    {
        Id = id,
        Channel = new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = "https://example.org/hook" },
        Filter = filter,
        Status = status,
    };

    public static bool Matches(SubscriptionFilter filter, PaperSummary paper) =>
        CompiledFilter.Compile(filter).Matches(MatchablePaper.From(paper));
}
