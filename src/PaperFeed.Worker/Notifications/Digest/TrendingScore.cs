using PaperFeed.Contracts;

namespace PaperFeed.Worker.Notifications.Digest;

/// <summary>
/// How "hot" a paper is right now, for ranking a digest: popularity divided by a power of its age, so that
/// attention a paper gets lifts it and time lets it sink (the shape of Hacker News' ranking).
/// <code>
/// score = (upvotes + 2 · comments + log2(1 + github_stars) + 1) / (age_hours + 2) ^ 1.5
/// </code>
/// A missing metric counts as 0, so a paper without any scores 1 / (age_hours + 2)^1.5. Comments weigh twice an
/// upvote (writing one takes more interest); stars count logarithmically because repositories collect them for
/// years and by the thousand. <c>age_hours</c> runs from <see cref="PaperSummary.PublishedAt"/> (or a fallback
/// time where the paper has no date) to <c>now</c>, and is never negative; a paper with neither counts as just
/// published. The +1 keeps papers without metrics apart by age; the +2 keeps a brand-new paper from dividing by
/// (almost) nothing. Pure: the same inputs always give the same score.
/// </summary>
public static class TrendingScore
{
    /// <summary>How much one comment weighs against one upvote.</summary>
    public const double CommentWeight = 2;

    /// <summary>Hours added to the age so that a paper published this minute does not dominate.</summary>
    public const double AgeOffsetHours = 2;

    /// <summary>How fast age pulls a paper down.</summary>
    public const double Gravity = 1.5;

    /// <summary>The score of a paper with these metrics and this age.</summary>
    /// <param name="metrics">Upvotes, comments and stars; null ones count as 0 (negative ones too).</param>
    /// <param name="publishedAt">When the paper was published, or null when unknown.</param>
    /// <param name="now">The moment the score is for.</param>
    /// <param name="fallbackTime">Used instead of <paramref name="publishedAt"/> when that is null (e.g. when the paper was matched).</param>
    public static double Compute(PaperMetrics metrics, DateTimeOffset? publishedAt, DateTimeOffset now, DateTimeOffset? fallbackTime = null)
    {
        var upvotes = Math.Max(0, metrics.Upvotes ?? 0);
        var comments = Math.Max(0, metrics.Comments ?? 0);
        var stars = Math.Max(0, metrics.GithubStars ?? 0);
        var popularity = upvotes + (CommentWeight * comments) + Math.Log2(1d + stars) + 1;
        return popularity / Math.Pow(AgeHours(publishedAt ?? fallbackTime, now) + AgeOffsetHours, Gravity);
    }

    /// <summary>The score of <paramref name="paper"/> at <paramref name="now"/>.</summary>
    /// <param name="fallbackTime">Counts as the publication time when the paper has none.</param>
    public static double Compute(PaperSummary paper, DateTimeOffset now, DateTimeOffset? fallbackTime = null) =>
        Compute(paper.Metrics, paper.PublishedAt, now, fallbackTime);

    /// <summary>
    /// The papers best first, each with <see cref="DeliveryPaper.Score"/> set to its score at <paramref name="now"/>.
    /// Equal scores put the newer paper first, then order by id (ordinal), so the order never depends on the input's.
    /// </summary>
    /// <param name="fallbackTime">The time to age a paper from when it has no publication date (e.g. when it
    /// matched); without one, such a paper counts as published at <paramref name="now"/>.</param>
    public static IReadOnlyList<DeliveryPaper> Rank(
        IEnumerable<DeliveryPaper> papers,
        DateTimeOffset now,
        Func<DeliveryPaper, DateTimeOffset?>? fallbackTime = null)
    {
        ArgumentNullException.ThrowIfNull(papers);
        return papers
            .Select(p =>
            {
                var since = p.Paper.PublishedAt ?? fallbackTime?.Invoke(p) ?? now;
                return (Paper: p with { Score = Compute(p.Paper.Metrics, since, now) }, Since: since);
            })
            .OrderByDescending(x => x.Paper.Score!.Value)
            .ThenByDescending(x => x.Since)
            .ThenBy(x => x.Paper.Id, StringComparer.Ordinal)
            .Select(x => x.Paper)
            .ToList();
    }

    private static double AgeHours(DateTimeOffset? since, DateTimeOffset now) =>
        since is { } s && s < now ? (now - s).TotalHours : 0;
}
