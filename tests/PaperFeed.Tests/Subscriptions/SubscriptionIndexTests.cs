using PaperFeed.Contracts;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;
using static PaperFeed.Tests.Subscriptions.Matching;

namespace PaperFeed.Tests.Subscriptions;

public sealed class SubscriptionIndexTests
{
    private static string[] Ids(IReadOnlyList<Subscription> subscriptions) => [.. subscriptions.Select(s => s.Id)];

    [Fact]
    public void EachAnchorFacetFindsItsSubscriptionsInIdOrder()
    {
        using var index = new SubscriptionIndex();
        index.ReplaceAll(
        [
            Subscription("sub_f", new SubscriptionFilter { Keywords = ["graph neural network"] }),
            Subscription("sub_e", new SubscriptionFilter { Categories = ["cs.*"] }),
            Subscription("sub_d", new SubscriptionFilter { Authors = ["Veličković"] }),
            Subscription("sub_c", new SubscriptionFilter { Sources = ["arxiv-cs"] }),
            Subscription("sub_b", new SubscriptionFilter { MinUpvotes = 3 }),
            Subscription("sub_a", new SubscriptionFilter { HasCode = true }),
            Subscription("sub_x", new SubscriptionFilter { Keywords = ["diffusion"] }),
            Subscription("sub_y", new SubscriptionFilter { Categories = ["math.*"] }),
        ]);
        var paper = Paper(
            title: "Graph Neural Networks",
            @abstract: "A graph neural network for molecules.",
            authors: ["Petar Velickovic"],
            categories: ["cs.LG"],
            sources: ["arxiv-cs"],
            upvotes: 3,
            code: "https://github.com/x/y");

        Assert.Equal(["sub_a", "sub_b", "sub_c", "sub_d", "sub_e", "sub_f"], Ids(index.Match(paper)));
        Assert.Equal(8, index.Count);
    }

    [Fact]
    public void FiltersWithoutWordsCategoriesOrAuthorsAreFoundByUpvotesCodeOrSource()
    {
        using var index = new SubscriptionIndex();
        index.ReplaceAll(
        [
            Subscription("sub_up10", new SubscriptionFilter { MinUpvotes = 10 }),
            Subscription("sub_up5", new SubscriptionFilter { MinUpvotes = 5, HasCode = true }),
            Subscription("sub_up0", new SubscriptionFilter { MinUpvotes = 0 }),
            Subscription("sub_up5b", new SubscriptionFilter { MinUpvotes = 5, Sources = ["hf-daily"] }),
            Subscription("sub_code", new SubscriptionFilter { HasCode = true, Sources = ["HF-Daily"] }),
            Subscription("sub_hf", new SubscriptionFilter { Sources = ["hf-daily", "arxiv-cs"] }),
            Subscription("sub_any", new SubscriptionFilter { Exclude = ["survey"] }),
        ]);

        Assert.Equal(["sub_any", "sub_hf", "sub_up0", "sub_up5b"], Ids(index.Match(Paper(sources: ["hf-daily"], upvotes: 5))));
        Assert.Equal(["sub_any", "sub_code", "sub_hf", "sub_up0", "sub_up10", "sub_up5", "sub_up5b"], Ids(index.Match(Paper(sources: ["hf-daily"], upvotes: 12, code: "https://github.com/x/y"))));
        Assert.Equal(["sub_any", "sub_up0"], Ids(index.Match(Paper(sources: ["arxiv-math"], upvotes: 4, code: "https://github.com/x/y"))));
        Assert.Equal(["sub_hf"], Ids(index.Match(Paper(title: "A survey", sources: ["arxiv-cs"]))));
    }

    [Fact]
    public void ASubscriptionFiledUnderSeveralAnchorsIsReturnedOnce()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_k", new SubscriptionFilter { Keywords = ["attention", "transformer", "self attention"] }));
        index.Upsert(Subscription("sub_c", new SubscriptionFilter { Categories = ["cs.CL", "cs.*", "cs.LG"] }));
        index.Upsert(Subscription("sub_a", new SubscriptionFilter { Authors = ["Vaswani", "Ashish Vaswani", "Shazeer"] }));
        index.Upsert(Subscription("sub_s", new SubscriptionFilter { Sources = ["arxiv-cs", "hf-daily"] }));

        var matches = index.Match(Paper(
            title: "Attention is all you need",
            @abstract: "The transformer uses self attention only.",
            authors: ["Ashish Vaswani", "Noam Shazeer"],
            categories: ["cs.CL", "cs.LG"],
            sources: ["hf-daily", "arxiv-cs"]));

        Assert.Equal(["sub_a", "sub_c", "sub_k", "sub_s"], Ids(matches));
    }

    [Fact]
    public void AnAnchorIsOnlyACandidateTheWholeFilterMustStillHold()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Keywords = ["neural network"], Categories = ["cs.LG"] }));
        index.Upsert(Subscription("sub_2", new SubscriptionFilter { Keywords = ["network"], Exclude = ["neural"] }));

        Assert.Empty(index.Match(Paper(@abstract: "a network of neural cells", categories: ["cs.LG"])));
        Assert.Equal(["sub_1"], Ids(index.Match(Paper(@abstract: "a neural network", categories: ["cs.LG"]))));
        Assert.Equal(["sub_2"], Ids(index.Match(Paper(@abstract: "a social network", categories: ["cs.SI"]))));
    }

    [Theory]
    [InlineData(SubscriptionStatus.Paused)]
    [InlineData(SubscriptionStatus.Pending)]
    [InlineData(SubscriptionStatus.Unsubscribed)]
    public void OnlyActiveSubscriptionsMatch(SubscriptionStatus status)
    {
        using var index = new SubscriptionIndex();
        var filter = new SubscriptionFilter { Keywords = ["robot"] };
        var paper = Paper(title: "Robot learning");
        index.ReplaceAll([Subscription("sub_1", filter), Subscription("sub_2", filter, status)]);

        Assert.Equal(["sub_1"], Ids(index.Match(paper)));
        Assert.Equal(1, index.Count);

        index.Upsert(Subscription("sub_1", filter, status));

        Assert.Empty(index.Match(paper));
        Assert.Equal(0, index.Count);

        index.Upsert(Subscription("sub_2", filter));

        Assert.Equal(["sub_2"], Ids(index.Match(paper)));
    }

    [Fact]
    public void UpsertReplacesAChangedFilterAndItsOldAnchors()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Keywords = ["alpha"] }));
        var alpha = Paper(title: "Alpha particles", categories: ["nucl-ex"]);
        var beta = Paper(title: "Beta decay", categories: ["hep-ph"]);
        Assert.Equal(["sub_1"], Ids(index.Match(alpha)));

        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Keywords = ["beta"] }));

        Assert.Empty(index.Match(alpha));
        Assert.Equal(["sub_1"], Ids(index.Match(beta)));
        Assert.Equal(1, index.Count);

        // Moving to another anchor facet leaves nothing behind under the keyword either.
        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Categories = ["nucl-ex"] }));

        Assert.Equal(["sub_1"], Ids(index.Match(alpha)));
        Assert.Empty(index.Match(beta));

        index.Upsert(Subscription("sub_1", new SubscriptionFilter { MinUpvotes = 1 }));

        Assert.Empty(index.Match(alpha));
        Assert.Equal(["sub_1"], Ids(index.Match(beta with { Metrics = new PaperMetrics { Upvotes = 1 } })));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void RemoveTakesASubscriptionOutOfEveryAnchor()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Keywords = ["alpha", "beta"] }));
        index.Upsert(Subscription("sub_2", new SubscriptionFilter { Keywords = ["beta"] }));
        index.Upsert(Subscription("sub_3", new SubscriptionFilter { HasCode = true }));
        var paper = Paper(title: "Alpha beta pruning", code: "https://github.com/x/y");

        Assert.True(index.Remove("sub_1"));
        Assert.True(index.Remove("sub_3"));

        Assert.False(index.Remove("sub_1"));
        Assert.False(index.Remove("sub_unknown"));
        Assert.Equal(["sub_2"], Ids(index.Match(paper)));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void ReplaceAllDropsWhatWasHeldBeforeAndTheLastOfADuplicateIdWins()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_old", new SubscriptionFilter { Keywords = ["alpha"] }));

        index.ReplaceAll(
        [
            Subscription("sub_1", new SubscriptionFilter { Keywords = ["alpha"] }),
            Subscription("sub_1", new SubscriptionFilter { Keywords = ["gamma"] }),
            Subscription("sub_2", new SubscriptionFilter { Keywords = ["gamma"] }),
            Subscription("sub_2", new SubscriptionFilter { Keywords = ["gamma"] }, SubscriptionStatus.Paused),
        ]);

        Assert.Empty(index.Match(Paper(title: "Alpha")));
        Assert.Equal(["sub_1"], Ids(index.Match(Paper(title: "Gamma rays"))));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void IsLoadedByTheFirstReplaceAllNotByAnUpsert()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Keywords = ["alpha"] }));
        Assert.False(index.Loaded.IsCompleted);

        index.ReplaceAll([]);

        Assert.True(index.Loaded.IsCompletedSuccessfully);
    }

    [Fact]
    public void ResultsStayInIdOrderWhenManyIdsFallBetweenTheSameNeighbours()
    {
        using var index = new SubscriptionIndex();
        var filter = new SubscriptionFilter { Keywords = ["robot"] };
        index.ReplaceAll([Subscription("sub_a", filter), Subscription("sub_b", filter)]);

        // sub_a < sub_aa < sub_aaa < … < sub_b: each new id halves the same gap until it is used up.
        var ids = new List<string> { "sub_a", "sub_b" };
        for (var n = 2; n < 80; n++)
        {
            var id = "sub_" + new string('a', n);
            index.Upsert(Subscription(id, n % 2 == 0 ? filter : new SubscriptionFilter { Categories = ["cs.RO"] }));
            ids.Add(id);
        }

        index.Upsert(Subscription("sub_0", new SubscriptionFilter { HasCode = true }));
        index.Upsert(Subscription("sub_", new SubscriptionFilter { Sources = ["arxiv-cs"] }));
        index.Upsert(Subscription("sub_c", new SubscriptionFilter { MinUpvotes = 1 }));
        ids.AddRange(["sub_0", "sub_", "sub_c"]);

        var matches = index.Match(Paper(title: "Robot", categories: ["cs.RO"], sources: ["arxiv-cs"], upvotes: 1, code: "https://github.com/x/y"));

        Assert.Equal(ids.Order(StringComparer.Ordinal), Ids(matches));
    }

    [Fact]
    public void APhraseMayRepeatAWord()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Keywords = ["\"very very\""] }));
        index.Upsert(Subscription("sub_2", new SubscriptionFilter { Keywords = ["very very deep"] }));

        Assert.Empty(index.Match(Paper(title: "A very deep and very wide net")));
        Assert.Equal(["sub_1"], Ids(index.Match(Paper(title: "A very very wide net"))));
        Assert.Equal(["sub_1", "sub_2"], Ids(index.Match(Paper(title: "A very very deep net"))));
    }

    [Fact]
    public void AWordFreedByARemovedSubscriptionMatchesNothingLater()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Keywords = ["alpha particle"], Categories = ["nucl-ex"] }));
        index.Remove("sub_1");
        index.Upsert(Subscription("sub_2", new SubscriptionFilter { Keywords = ["beta decay"], Categories = ["hep-ph"] }));

        Assert.Empty(index.Match(Paper(title: "Alpha particle emission", categories: ["nucl-ex"])));
        Assert.Empty(index.Match(Paper(title: "Alpha particle and beta", categories: ["hep-ph"])));
        Assert.Equal(["sub_2"], Ids(index.Match(Paper(title: "Beta decay", categories: ["hep-ph"]))));
    }

    [Fact]
    public void AFilterThatCanNeverMatchIsHeldButNeverMatched()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_1", new SubscriptionFilter { Keywords = ["???"] }));

        Assert.Equal(1, index.Count);
        Assert.Empty(index.Match(Paper(title: "??? anything")));
        Assert.True(index.Remove("sub_1"));
    }

    [Fact]
    public async Task MatchingGoesOnWhileSubscriptionsChange()
    {
        using var index = new SubscriptionIndex();
        index.Upsert(Subscription("sub_stable", new SubscriptionFilter { Keywords = ["robot"] }));
        var paper = MatchablePaper.From(Paper(title: "Robot arm", categories: ["cs.RO"]));

        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                var id = $"sub_{i % 50:D2}";
                if (i % 3 == 2)
                {
                    index.Remove(id);
                }
                else
                {
                    index.Upsert(Subscription(id, i % 2 == 0 ? new SubscriptionFilter { Keywords = ["robot arm"] } : new SubscriptionFilter { Categories = ["cs.*"] }));
                }
            }
        }, TestContext.Current.CancellationToken);
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var matched = 0;
            for (var i = 0; i < 2_000; i++)
            {
                var ids = Ids(index.Match(paper));
                Assert.Contains("sub_stable", ids);
                Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
                Assert.Equal(ids.Distinct(), ids);
                matched += ids.Length;
            }

            return matched;
        }, TestContext.Current.CancellationToken)).ToArray();

        await writer;
        var matched = await Task.WhenAll(readers);

        Assert.All(matched, m => Assert.True(m >= 2_000));

        // The last write to slot s was at i = 1950 + s: a removal when i % 3 == 2.
        Assert.Equal(Enumerable.Range(1_950, 50).Count(i => i % 3 != 2) + 1, index.Count);
    }

    [Fact]
    public void TheIndexAgreesWithANaiveScanOnRandomSubscriptionsAndPapers()
    {
        var random = new Random(20260514);
        var subscriptions = Enumerable.Range(0, 3_000).Select(i => RandomSubscription(random, i)).ToList();
        var papers = Enumerable.Range(0, 300).Select(_ => RandomPaper(random)).ToList();
        using var index = new SubscriptionIndex();
        index.ReplaceAll(subscriptions);

        var total = AssertAgrees(index, subscriptions, papers);

        // Some of them changed and removed, as the API would.
        var held = subscriptions.ToDictionary(s => s.Id, StringComparer.Ordinal);
        for (var i = 0; i < 1_000; i++)
        {
            var id = $"sub_{random.Next(3_300):D5}";
            if (random.Next(4) == 0)
            {
                index.Remove(id);
                held.Remove(id);
            }
            else
            {
                var changed = RandomSubscription(random, 0) with { Id = id };
                index.Upsert(changed);
                held[id] = changed;
            }
        }

        total += AssertAgrees(index, held.Values.ToList(), papers);

        // Matches of every anchor kind occurred, so the comparison was not vacuous.
        Assert.True(total > 2_000, $"only {total} matches");
    }

    private static int AssertAgrees(SubscriptionIndex index, IReadOnlyList<Subscription> subscriptions, IReadOnlyList<PaperSummary> papers)
    {
        var compiled = subscriptions.Where(s => s.IsActive).Select(s => (s.Id, Filter: CompiledFilter.Compile(s.Filter))).ToList();
        Assert.Equal(compiled.Count, index.Count);
        var total = 0;
        foreach (var paper in papers)
        {
            var matchable = MatchablePaper.From(paper);
            var expected = compiled.Where(c => c.Filter.Matches(matchable)).Select(c => c.Id).Order(StringComparer.Ordinal).ToArray();

            Assert.Equal(expected, Ids(index.Match(matchable)));
            total += expected.Length;
        }

        return total;
    }

    // A small vocabulary, so that words, phrases and names recur; accented spellings and case variants included.
    private static readonly string[] Vocabulary =
    [
        "graph", "neural", "network", "networks", "language", "model", "models", "large", "diffusion", "score",
        "matching", "quantum", "field", "theory", "Schrödinger", "schrodinger", "equation", "robot", "Robot",
        "learning", "reinforcement", "policy", "attention", "transformer", "transformers", "protein", "folding",
        "sparse", "dense", "retrieval", "survey", "benchmark", "naïve", "bayes", "a", "the", "of", "for",
    ];

    private static readonly string[] Categories = ["cs.CL", "cs.LG", "cs.RO", "math.PR", "hep-th", "quant-ph", "stat.ML", "cond-mat.str-el"];

    private static readonly string[] FilterCategories = [.. Categories, "cs.*", "math.*", "CS.cl", "cond-mat.*"];

    private static readonly string[] Authors = ["Yann LeCun", "LeCun, Yann", "Jürgen Schmidhuber", "Anna Müller", "Müller, Hans", "Ada Lovelace", "Li Wei", "Wei Li"];

    private static readonly string[] FilterAuthors = ["yann lecun", "LeCun", "Schmidhuber", "Jurgen Schmidhuber", "Muller", "Hans Müller", "Lovelace", "Li", "Wei", "Li Wei"];

    private static readonly string[] Sources = ["arxiv-cs", "hf-daily", "arxiv-math"];

    private static string Words(Random random, int min, int max) =>
        string.Join(random.Next(5) == 0 ? "-" : " ", Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => Pick(random, Vocabulary)));

    private static T Pick<T>(Random random, T[] from) => from[random.Next(from.Length)];

    private static string[] Some(Random random, string[] from, int max) =>
        [.. Enumerable.Range(0, random.Next(1, max + 1)).Select(_ => Pick(random, from))];

    private static Subscription RandomSubscription(Random random, int i)
    {
        // Mostly keyword filters, then categories, then authors, and some without an anchor facet at all.
        var anchor = random.Next(10);
        var filter = new SubscriptionFilter
        {
            Keywords = anchor < 6 ? [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(4) == 0 ? $"\"{Words(random, 2, 3)}\"" : Words(random, 1, 2))] : [],
            Exclude = random.Next(5) == 0 ? [Words(random, 1, 2)] : [],
            Categories = anchor is 6 or 7 || random.Next(6) == 0 ? Some(random, FilterCategories, 2) : [],
            Authors = anchor == 8 || random.Next(8) == 0 ? Some(random, FilterAuthors, 2) : [],
            Sources = random.Next(6) == 0 ? Some(random, Sources, 2) : [],
            MinUpvotes = random.Next(5) == 0 ? random.Next(0, 15) : null,
            HasCode = random.Next(6) == 0,
        };
        var status = random.Next(12) == 0 ? SubscriptionStatus.Paused : SubscriptionStatus.Active;
        return Subscription($"sub_{i:D5}", filter, status);
    }

    private static PaperSummary RandomPaper(Random random) => Paper(
        title: Words(random, 2, 8),
        @abstract: random.Next(10) == 0 ? null : string.Join(". ", Enumerable.Range(0, random.Next(1, 5)).Select(_ => Words(random, 3, 12))),
        authors: random.Next(6) == 0 ? [] : Some(random, Authors, 3),
        categories: random.Next(8) == 0 ? [] : Some(random, Categories, 3),
        sources: Some(random, Sources, 2),
        upvotes: random.Next(3) == 0 ? null : random.Next(0, 20),
        code: random.Next(3) == 0 ? "https://github.com/x/y" : null);
}
