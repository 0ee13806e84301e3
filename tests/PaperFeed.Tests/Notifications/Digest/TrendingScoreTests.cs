using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Digest;

namespace PaperFeed.Tests.Notifications.Digest;

/// <summary>
/// <see cref="TrendingScore"/>: (upvotes + 2·comments + log2(1 + stars) + 1) / (age_hours + 2)^1.5, ranked best
/// first with newer, then lower id, winning ties.
/// </summary>
public sealed class TrendingScoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static DeliveryPaper Paper(string id, int? upvotes = null, int? comments = null, int? stars = null, double? ageHours = 6) =>
        new(id, new PaperSummary(
            $"Paper {id}", null, [], [], [], 1,
            ageHours is { } h ? Now.AddHours(-h) : null,
            new PaperLinks(),
            new PaperMetrics { Upvotes = upvotes, Comments = comments, GithubStars = stars },
            null, 1));

    [Fact]
    public void FollowsTheDocumentedFormula()
    {
        // (10 + 2·3 + log2(1 + 7) + 1) / (6 + 2)^1.5 = 20 / 8^1.5
        var score = TrendingScore.Compute(new PaperMetrics { Upvotes = 10, Comments = 3, GithubStars = 7 }, Now.AddHours(-6), Now);

        Assert.Equal(20 / Math.Pow(8, 1.5), score, 12);
    }

    [Fact]
    public void MoreUpvotesRankHigherAtEqualAge()
    {
        var ranked = TrendingScore.Rank([Paper("a", upvotes: 3), Paper("b", upvotes: 30), Paper("c", upvotes: 10)], Now);

        Assert.Equal(["b", "c", "a"], ranked.Select(p => p.Id));
    }

    [Fact]
    public void AnOlderPaperWithTheSameMetricsRanksLower()
    {
        var ranked = TrendingScore.Rank([Paper("old", upvotes: 20, ageHours: 48), Paper("new", upvotes: 20, ageHours: 3)], Now);

        Assert.Equal(["new", "old"], ranked.Select(p => p.Id));
        Assert.True(ranked[0].Score > ranked[1].Score);
    }

    [Fact]
    public void CommentsAndStarsCountToo()
    {
        var plain = TrendingScore.Compute(new PaperMetrics { Upvotes = 5 }, Now.AddHours(-6), Now);
        var discussed = TrendingScore.Compute(new PaperMetrics { Upvotes = 5, Comments = 1 }, Now.AddHours(-6), Now);
        var starred = TrendingScore.Compute(new PaperMetrics { Upvotes = 5, GithubStars = 1000 }, Now.AddHours(-6), Now);

        Assert.True(discussed > plain);
        Assert.True(starred > discussed, "log2(1001) ≈ 10 outweighs one comment (2)");
    }

    [Fact]
    public void MissingMetricsAndDatesWork()
    {
        // No metrics and no date: popularity 1, age 0.
        Assert.Equal(1 / Math.Pow(2, 1.5), TrendingScore.Compute(new PaperMetrics(), null, Now), 12);

        var ranked = TrendingScore.Rank([Paper("bare"), Paper("voted", upvotes: 1), Paper("undated", ageHours: null)], Now);

        Assert.Equal(["undated", "voted", "bare"], ranked.Select(p => p.Id));
        Assert.All(ranked, p => Assert.True(p.Score > 0));
    }

    [Fact]
    public void AFallbackTimeAgesAnUndatedPaper()
    {
        var undated = Paper("undated", upvotes: 4, ageHours: null);

        var atNow = TrendingScore.Rank([undated], Now).Single().Score;
        var aged = TrendingScore.Rank([undated], Now, _ => Now.AddHours(-30)).Single().Score;

        Assert.Equal(TrendingScore.Compute(undated.Paper.Metrics, Now.AddHours(-30), Now), aged);
        Assert.True(aged < atNow);
    }

    [Fact]
    public void APublicationDateAheadOfNowCountsAsAgeZero()
    {
        var metrics = new PaperMetrics { Upvotes = 2 };

        Assert.Equal(TrendingScore.Compute(metrics, Now, Now), TrendingScore.Compute(metrics, Now.AddHours(5), Now));
    }

    [Fact]
    public void NegativeCountsCountAsZero()
    {
        Assert.Equal(
            TrendingScore.Compute(new PaperMetrics(), Now.AddHours(-1), Now),
            TrendingScore.Compute(new PaperMetrics { Upvotes = -5, Comments = -1, GithubStars = -9 }, Now.AddHours(-1), Now));
    }

    [Fact]
    public void RankSetsEachScore()
    {
        var papers = new[] { Paper("a", upvotes: 3, comments: 2, stars: 15, ageHours: 10) };

        var ranked = TrendingScore.Rank(papers, Now);

        Assert.Null(papers[0].Score);
        Assert.Equal(TrendingScore.Compute(papers[0].Paper, Now), ranked[0].Score);
    }

    [Fact]
    public void AnExactTieGoesToTheNewerPaper()
    {
        // 1 / (2 + 2)^1.5 = 1/8 and (7 + 1) / (14 + 2)^1.5 = 8/64: the same score, exactly.
        var ranked = TrendingScore.Rank([Paper("a-older", upvotes: 7, ageHours: 14), Paper("b-newer", ageHours: 2)], Now);

        Assert.Equal(ranked[0].Score, ranked[1].Score);
        Assert.Equal(["b-newer", "a-older"], ranked.Select(p => p.Id));
    }

    [Fact]
    public void TheOrderIsTheSameWhateverTheInputOrder()
    {
        var papers = new[]
        {
            Paper("b", upvotes: 5, ageHours: 12),
            Paper("a", upvotes: 5, ageHours: 12), // ties "b" on score and age: the lower id goes first
            Paper("z", upvotes: 5, ageHours: 2),
            Paper("d", upvotes: 50, ageHours: 12),
            Paper("old", upvotes: 7, ageHours: 14),
            Paper("new", ageHours: 2), // ties "old" exactly: the newer goes first
        };
        string[] expected = ["d", "z", "new", "old", "a", "b"];

        foreach (var order in Permutations(papers))
        {
            Assert.Equal(expected, TrendingScore.Rank(order, Now).Select(p => p.Id));
        }
    }

    private static IEnumerable<IReadOnlyList<T>> Permutations<T>(IReadOnlyList<T> items)
    {
        if (items.Count <= 1)
        {
            yield return items;
            yield break;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var rest = items.Where((_, j) => j != i).ToList();
            foreach (var tail in Permutations(rest))
            {
                yield return [items[i], .. tail];
            }
        }
    }
}
