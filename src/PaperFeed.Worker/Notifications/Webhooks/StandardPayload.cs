using System.Text.Json.Serialization;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>
/// The body of a <see cref="Subscriptions.WebhookFormat.Standard"/> webhook, in the Standard Webhooks payload shape:
/// <c>{"type": "paper.added", "timestamp": "…", "data": {…}}</c>. Its own types, not the stored documents: this is
/// a public schema and changes only on purpose.
/// </summary>
/// <param name="Type"><c>paper.added</c>, <c>paper.revised</c> or <c>digest</c>.</param>
/// <param name="Timestamp">When the event happened (the delivery was created), the same on every attempt.</param>
public sealed record WebhookEvent<TData>(string Type, DateTimeOffset Timestamp, TData Data);

/// <summary>The <c>data</c> of <c>paper.added</c> and <c>paper.revised</c>.</summary>
public sealed record PaperAlertData(string SubscriptionId, string? SubscriptionName, WebhookPaper Paper);

/// <summary>The <c>data</c> of <c>digest</c>: the period's matches, best first.</summary>
public sealed record DigestData(string SubscriptionId, string? SubscriptionName, WebhookDigestPeriod Period, IReadOnlyList<WebhookRankedPaper> Papers);

/// <summary>The day or week a digest covers, in the subscription's time zone.</summary>
/// <param name="Key"><c>2026-11-27</c> or <c>2026-W48</c>.</param>
public sealed record WebhookDigestPeriod(string Key, DateTimeOffset Start, DateTimeOffset End);

/// <summary>A paper as webhooks describe it.</summary>
public record WebhookPaper
{
    /// <summary>The canonical id (<c>arxiv:…</c>, <c>doi:…</c> or <c>title:…</c>).</summary>
    public required string Id { get; init; }

    public required string Title { get; init; }
    public required IReadOnlyList<string> Authors { get; init; }
    public string? Abstract { get; init; }
    public required IReadOnlyList<string> Categories { get; init; }

    /// <summary>Names of the sources that saw the paper.</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    public int? Version { get; init; }
    public DateTimeOffset? PublishedAt { get; init; }
    public DateTimeOffset? WithdrawnAt { get; init; }
    public required WebhookPaperLinks Links { get; init; }
    public required WebhookPaperMetrics Metrics { get; init; }
}

/// <summary>A paper of a digest: its place in the ranking and the trending score it was ranked by.</summary>
public sealed record WebhookRankedPaper : WebhookPaper
{
    /// <summary>The paper with its place and score.</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public WebhookRankedPaper(WebhookPaper paper, int rank, double? score)
        : base(paper)
    {
        Rank = rank;
        Score = score;
    }

    /// <summary>1 for the first.</summary>
    [JsonPropertyOrder(-2)]
    public required int Rank { get; init; }

    [JsonPropertyOrder(-1)]
    public double? Score { get; init; }
}

public sealed record WebhookPaperLinks(string? Abstract, string? Pdf, string? Code, string? Project);

public sealed record WebhookPaperMetrics(int? Upvotes, int? Comments, int? GithubStars);
