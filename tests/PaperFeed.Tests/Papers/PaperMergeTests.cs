using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using Xunit;

namespace PaperFeed.Tests.Papers;

public sealed class PaperMergeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddHours(1);
    private static readonly DateTimeOffset T2 = T0.AddHours(2);

    private static PaperDiscovered Rss(Func<DiscoveredPaper, DiscoveredPaper>? change = null)
    {
        var paper = new DiscoveredPaper
        {
            ExternalId = "oai:arXiv.org:2405.12345v1",
            Title = "Attention Is All You Need",
            Abstract = "We propose the Transformer.",
            Authors = ["Ashish Vaswani", "Noam Shazeer"],
            Categories = ["cs.CL"],
            ArxivId = "oai:arXiv.org:2405.12345v1",
            PublishedAt = T0.AddDays(-1),
            Links = new PaperLinks { Abstract = "https://arxiv.org/abs/2405.12345" },
        };
        return new PaperDiscovered("arxiv-cs", change is null ? paper : change(paper), T0);
    }

    [Fact]
    public void ANewPaperIsAddedWithItsKeysSightingAndRevisionOne()
    {
        var incoming = Rss(p => p with { Metrics = new PaperMetrics { Upvotes = 3 } });

        var (paper, outcome) = PaperMerge.Apply(null, incoming, T0);

        Assert.Equal(UpsertOutcome.Added, outcome);
        Assert.Equal("arxiv:2405.12345", paper.Id);
        Assert.Equal(["arxiv:2405.12345", PaperIdentity.TitleKey("Attention Is All You Need", "Ashish Vaswani")], paper.Keys);
        Assert.Equal(1, paper.Version);
        Assert.Equal(1, paper.Revision);
        Assert.Equal(0, paper.AnnouncedRevision);
        Assert.Equal(T0, paper.FirstSeenAt);
        Assert.Equal(T0, paper.LastChangedAt);
        Assert.Equal([new Sighting("arxiv-cs", "oai:arXiv.org:2405.12345v1", T0, T0)], paper.Sightings);
        var sample = Assert.Single(paper.MetricHistory);
        Assert.Equal(T0, sample.At);
        Assert.Equal(3, sample.Metrics.Upvotes);
        Assert.Equal("We propose the Transformer.", paper.Abstract);
        Assert.Equal(["cs.CL"], paper.Categories);
    }

    [Fact]
    public void ANewPaperWithoutMetricsHasNoMetricHistory()
    {
        var (paper, _) = PaperMerge.Apply(null, Rss(), T0);

        Assert.Empty(paper.MetricHistory);
    }

    [Fact]
    public void APaperWithNeitherIdNorTitleIsRejectedWithAClearMessage()
    {
        var incoming = Rss(p => p with { ArxivId = null, Title = " " });

        var e = Assert.Throws<ArgumentException>(() => PaperMerge.Apply(null, incoming, T0));

        Assert.Contains("no identity key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameSightingAgainIsUnchangedAndOnlyMovesLastSeen()
    {
        var (stored, _) = PaperMerge.Apply(null, Rss(), T0);

        var (paper, outcome) = PaperMerge.Apply(stored, Rss(), T1);

        Assert.Equal(UpsertOutcome.Unchanged, outcome);
        Assert.Equal(1, paper.Revision);
        Assert.Equal(T0, paper.LastChangedAt);
        Assert.Equal([new Sighting("arxiv-cs", "oai:arXiv.org:2405.12345v1", T0, T1)], paper.Sightings);
        Assert.Equal(stored.Keys, paper.Keys);
    }

    [Fact]
    public void TheArxivAbsLinkFromOneSourceAndTheDataCiteDoiFromAnotherAreOnePaper()
    {
        var api = new PaperDiscovered(
            "arxiv-api",
            new DiscoveredPaper { ExternalId = "http://arxiv.org/abs/2405.12345v2", Title = "Attention Is All You Need", Authors = ["Ashish Vaswani"], ArxivId = "http://arxiv.org/abs/2405.12345v2" },
            T0);
        var crossref = new PaperDiscovered(
            "datacite",
            new DiscoveredPaper { ExternalId = "10.48550/arXiv.2405.12345", Title = "Attention is all you need", Authors = ["Vaswani, Ashish"], Doi = "10.48550/arXiv.2405.12345" },
            T1);

        var (first, _) = PaperMerge.Apply(null, api, T0);
        var (paper, outcome) = PaperMerge.Apply(first, crossref, T1);

        Assert.Equal(["arxiv:2405.12345"], PaperIdentity.KeysOf(crossref.Paper).Where(k => k.StartsWith("arxiv:", StringComparison.Ordinal)));
        Assert.Equal(UpsertOutcome.Updated, outcome);
        Assert.Equal("arxiv:2405.12345", paper.Id);
        Assert.Equal(2, paper.Sightings.Count);
        Assert.Equal(["arxiv-api", "datacite"], paper.Sightings.Select(s => s.Source));
        Assert.Equal(T1, paper.LastChangedAt);
        Assert.Equal(1, paper.Revision);
    }

    [Fact]
    public void KeysAreUnitedAndTheIdBecomesTheHighestRanked()
    {
        var blog = new PaperDiscovered("blog", new DiscoveredPaper { ExternalId = "post-1", Title = "A Study", Authors = ["Jane Doe"] }, T0);
        var journal = new PaperDiscovered("crossref", new DiscoveredPaper { ExternalId = "10.1000/ABC", Title = "A study", Authors = ["Doe, Jane"], Doi = "https://doi.org/10.1000/ABC" }, T1);
        var arxiv = new PaperDiscovered("arxiv", new DiscoveredPaper { ExternalId = "2405.00001", Title = "A Study", Authors = ["Jane Doe"], ArxivId = "2405.00001v1", Doi = "10.1000/abc" }, T2);

        var (p1, _) = PaperMerge.Apply(null, blog, T0);
        var (p2, o2) = PaperMerge.Apply(p1, journal, T1);
        var (p3, o3) = PaperMerge.Apply(p2, arxiv, T2);

        Assert.Equal(PaperIdentity.TitleKey("A Study", "Jane Doe"), p1.Id);
        Assert.Equal(UpsertOutcome.Updated, o2);
        Assert.Equal("doi:10.1000/abc", p2.Id);
        Assert.Equal(UpsertOutcome.Updated, o3);
        Assert.Equal("arxiv:2405.00001", p3.Id);
        Assert.Equal(3, p3.Keys.Count);
        Assert.Contains("doi:10.1000/abc", p3.Keys);
        Assert.Equal(3, p3.Sightings.Count);
    }

    [Fact]
    public void KeysOwnedByAnotherPaperAreLeftOut()
    {
        var titleKey = PaperIdentity.TitleKey("Attention Is All You Need", "Ashish Vaswani");

        var (paper, outcome) = PaperMerge.Apply(null, Rss(), T0, key => key == titleKey);

        Assert.Equal(UpsertOutcome.Added, outcome);
        Assert.Equal(["arxiv:2405.12345"], paper.Keys);
    }

    [Fact]
    public void AHigherVersionIsARevisionThatTakesTheNewText()
    {
        var (stored, _) = PaperMerge.Apply(null, Rss(), T0);
        var v2 = Rss(p => p with
        {
            ExternalId = "oai:arXiv.org:2405.12345v2",
            ArxivId = "oai:arXiv.org:2405.12345v2",
            Title = "Attention Is All You Need (revised)",
            Abstract = "We propose the Transformer, revised.",
            Authors = ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
            UpdatedAt = T1,
        });

        var (paper, outcome) = PaperMerge.Apply(stored, v2, T1);

        Assert.Equal(UpsertOutcome.Revised, outcome);
        Assert.Equal(2, paper.Revision);
        Assert.Equal(2, paper.Version);
        Assert.Equal("Attention Is All You Need (revised)", paper.Title);
        Assert.Equal("We propose the Transformer, revised.", paper.Abstract);
        Assert.Equal(3, paper.Authors.Count);
        Assert.Equal(T1, paper.UpdatedAt);
        Assert.Equal(T1, paper.LastChangedAt);
        Assert.Equal("arxiv:2405.12345", paper.Id);
        Assert.Equal(0, paper.AnnouncedRevision);
    }

    [Fact]
    public void AnOlderVersionSeenAgainIsNotARevisionAndChangesNothing()
    {
        var v3 = Rss(p => p with { ArxivId = "2405.12345v3", Abstract = "Third abstract." });
        var (stored, _) = PaperMerge.Apply(null, v3, T0);
        var v1 = Rss(p => p with { ArxivId = "2405.12345v1", Abstract = "First abstract." });

        var (paper, outcome) = PaperMerge.Apply(stored, v1, T1);

        Assert.Equal(UpsertOutcome.Unchanged, outcome);
        Assert.Equal(3, paper.Version);
        Assert.Equal("Third abstract.", paper.Abstract);
        Assert.Equal(1, paper.Revision);
        Assert.Equal(T0, paper.LastChangedAt);
    }

    [Theory]
    [InlineData(1, 2, UpsertOutcome.Revised)]
    [InlineData(2, 10, UpsertOutcome.Revised)] // numeric, not textual, order
    [InlineData(9, 10, UpsertOutcome.Revised)]
    [InlineData(10, 9, UpsertOutcome.Unchanged)]
    [InlineData(2, 2, UpsertOutcome.Unchanged)]
    [InlineData(2, 1, UpsertOutcome.Unchanged)]
    public void OnlyAHigherVersionIsARevision(int storedVersion, int incomingVersion, UpsertOutcome expected)
    {
        var (stored, _) = PaperMerge.Apply(null, Rss(p => p with { ArxivId = $"2405.12345v{storedVersion}" }), T0);

        var (paper, outcome) = PaperMerge.Apply(stored, Rss(p => p with { ArxivId = $"https://arxiv.org/abs/2405.12345v{incomingVersion}" }), T1);

        Assert.Equal(expected, outcome);
        Assert.Equal(Math.Max(storedVersion, incomingVersion), paper.Version);
        Assert.Equal(expected == UpsertOutcome.Revised ? 2 : 1, paper.Revision);
    }

    [Fact]
    public void TheSameVersionFromAnotherSourceIsOnlyANewSighting()
    {
        var (stored, _) = PaperMerge.Apply(null, Rss(), T0);
        var hf = new PaperDiscovered("hf", Rss().Paper with { ExternalId = "2405.12345", ArxivId = "2405.12345", Version = 1, Title = "Other title" }, T1);

        var (paper, outcome) = PaperMerge.Apply(stored, hf, T1);

        Assert.Equal(UpsertOutcome.Updated, outcome);
        Assert.Equal(1, paper.Revision);
        Assert.Equal("Attention Is All You Need", paper.Title);
        Assert.Equal(2, paper.Sightings.Count);
    }

    [Fact]
    public void AnUnknownStoredVersionIsFilledNotRevised()
    {
        var hf = new PaperDiscovered("hf", new DiscoveredPaper { ExternalId = "2405.12345", Title = "Attention Is All You Need", Authors = ["Ashish Vaswani"], ArxivId = "2405.12345" }, T0);
        var (stored, _) = PaperMerge.Apply(null, hf, T0);

        var (paper, outcome) = PaperMerge.Apply(stored, hf with { Paper = hf.Paper with { Version = 2 } }, T1);

        Assert.Null(stored.Version);
        Assert.Equal(UpsertOutcome.Updated, outcome);
        Assert.Equal(2, paper.Version);
        Assert.Equal(1, paper.Revision);
    }

    [Fact]
    public void AWithdrawalIsARevisionRecordedOnce()
    {
        var (stored, _) = PaperMerge.Apply(null, Rss(), T0);
        var withdrawn = Rss(p => p with { WithdrawnAt = T1 });

        var (paper, outcome) = PaperMerge.Apply(stored, withdrawn, T1);
        var (again, againOutcome) = PaperMerge.Apply(paper, withdrawn, T2);
        var (later, laterOutcome) = PaperMerge.Apply(again, Rss(), T2);

        Assert.Equal(UpsertOutcome.Revised, outcome);
        Assert.Equal(2, paper.Revision);
        Assert.Equal(T1, paper.WithdrawnAt);
        Assert.Equal(UpsertOutcome.Unchanged, againOutcome);
        Assert.Equal(2, again.Revision);
        Assert.Equal(UpsertOutcome.Unchanged, laterOutcome);
        Assert.Equal(T1, later.WithdrawnAt);
    }

    [Fact]
    public void ChangedMetricsAreAnUpdateWithASample()
    {
        var hf = Rss(p => p with { Metrics = new PaperMetrics { Upvotes = 3, GithubStars = 10 } });
        var (stored, _) = PaperMerge.Apply(null, hf, T0);

        var (paper, outcome) = PaperMerge.Apply(stored, Rss(p => p with { Metrics = new PaperMetrics { Upvotes = 7 } }), T1);

        Assert.Equal(UpsertOutcome.Updated, outcome);
        Assert.Equal(7, paper.Metrics.Upvotes);
        Assert.Equal(10, paper.Metrics.GithubStars);
        Assert.Equal(2, paper.MetricHistory.Count);
        Assert.Equal(T1, paper.MetricHistory[1].At);
        Assert.Equal(7, paper.MetricHistory[1].Metrics.Upvotes);
        Assert.Equal(10, paper.MetricHistory[1].Metrics.GithubStars);
        Assert.Equal(T1, paper.LastChangedAt);
        Assert.Equal(1, paper.Revision);
    }

    [Fact]
    public void MetricsTheSourceDoesNotReportAreNotAChange()
    {
        var (stored, _) = PaperMerge.Apply(null, Rss(p => p with { Metrics = new PaperMetrics { Upvotes = 3, GithubStars = 10 } }), T0);

        var (sameUpvotes, o1) = PaperMerge.Apply(stored, Rss(p => p with { Metrics = new PaperMetrics { Upvotes = 3 } }), T1);
        var (noMetrics, o2) = PaperMerge.Apply(sameUpvotes, Rss(), T2);

        Assert.Equal(UpsertOutcome.Unchanged, o1);
        Assert.Equal(UpsertOutcome.Unchanged, o2);
        Assert.Single(noMetrics.MetricHistory);
        Assert.Equal(10, noMetrics.Metrics.GithubStars);
    }

    [Fact]
    public void MissingFieldsAreFilledWithoutOverwriting()
    {
        var bare = new PaperDiscovered("blog", new DiscoveredPaper { ExternalId = "b1", Title = "A Study", ArxivId = "2405.00002", Categories = ["ml"] }, T0);
        var (stored, _) = PaperMerge.Apply(null, bare, T0);
        var rich = bare with
        {
            Paper = bare.Paper with
            {
                Abstract = "Abstract.",
                Authors = ["Jane Doe"],
                Categories = ["cs.LG", "ml"],
                PublishedAt = T0.AddDays(-2),
                Links = new PaperLinks { Abstract = "https://arxiv.org/abs/2405.00002", Pdf = "https://arxiv.org/pdf/2405.00002", Code = "https://github.com/x/y" },
            },
        };

        var (paper, outcome) = PaperMerge.Apply(stored, rich, T1);
        var (again, againOutcome) = PaperMerge.Apply(paper, rich with { Paper = rich.Paper with { Abstract = "Other.", Links = new PaperLinks { Code = "https://github.com/other/repo" } } }, T2);

        Assert.Equal(UpsertOutcome.Updated, outcome);
        Assert.Equal("Abstract.", paper.Abstract);
        Assert.Equal(["Jane Doe"], paper.Authors);
        Assert.Equal(["ml", "cs.LG"], paper.Categories);
        Assert.Equal(T0.AddDays(-2), paper.PublishedAt);
        Assert.Equal("https://github.com/x/y", paper.Links.Code);
        Assert.Equal(T1, paper.LastChangedAt);
        Assert.Equal(UpsertOutcome.Unchanged, againOutcome);
        Assert.Equal("Abstract.", again.Abstract);
        Assert.Equal("https://github.com/x/y", again.Links.Code);
    }

    [Fact]
    public void ChooseTargetTakesTheOwnerOfTheHighestRankedKey()
    {
        var (byTitle, _) = PaperMerge.Apply(null, new PaperDiscovered("blog", new DiscoveredPaper { ExternalId = "b", Title = "A Study", Authors = ["Jane Doe"] }, T0), T0);
        var (byArxiv, _) = PaperMerge.Apply(null, new PaperDiscovered("arxiv", new DiscoveredPaper { ExternalId = "a", Title = "Other", ArxivId = "2405.00003" }, T0), T0);
        var incoming = new DiscoveredPaper { ExternalId = "c", Title = "A Study", Authors = ["Jane Doe"], ArxivId = "2405.00003" };
        var keys = PaperIdentity.KeysOf(incoming);
        var owners = new Dictionary<string, StoredPaper> { [keys[0]] = byArxiv, [keys[1]] = byTitle };

        var target = PaperMerge.ChooseTarget(keys, owners);

        Assert.Same(byArxiv, target);
    }

    [Fact]
    public void ChooseTargetDoesNotJoinTwoArxivPapersThatShareOnlyATitle()
    {
        var (stored, _) = PaperMerge.Apply(null, new PaperDiscovered("arxiv", new DiscoveredPaper { ExternalId = "a", Title = "Lecture Notes", Authors = ["Jane Doe"], ArxivId = "2405.00004" }, T0), T0);
        var other = new DiscoveredPaper { ExternalId = "b", Title = "Lecture notes", Authors = ["Jane Doe"], ArxivId = "2405.00005" };
        var sameAsStoredWithoutId = new DiscoveredPaper { ExternalId = "c", Title = "Lecture notes", Authors = ["Jane Doe"] };
        var titleKey = PaperIdentity.TitleKey("Lecture Notes", "Jane Doe");
        var owners = new Dictionary<string, StoredPaper> { [titleKey] = stored };

        Assert.Null(PaperMerge.ChooseTarget(PaperIdentity.KeysOf(other), owners));
        Assert.Same(stored, PaperMerge.ChooseTarget(PaperIdentity.KeysOf(sameAsStoredWithoutId), owners));
        Assert.Null(PaperMerge.ChooseTarget(PaperIdentity.KeysOf(other), new Dictionary<string, StoredPaper>()));
    }

    [Fact]
    public void KeywordsAndSummaryFromALaterSourceFillTheRecordAsAnUpdate()
    {
        var (stored, _) = PaperMerge.Apply(null, Rss(), T0);
        var fromHub = new PaperDiscovered(
            "hf-daily",
            new DiscoveredPaper
            {
                ExternalId = "2405.12345",
                Title = "Attention Is All You Need",
                ArxivId = "2405.12345",
                Keywords = ["transformer", "attention", "Transformer"],
                Summary = "A model built on attention alone.",
            },
            T1);

        var (paper, outcome) = PaperMerge.Apply(stored, fromHub, T1);

        Assert.Equal(UpsertOutcome.Updated, outcome);
        Assert.Equal(["transformer", "attention"], paper.Keywords);
        Assert.Equal("A model built on attention alone.", paper.Summary);

        var (again, secondOutcome) = PaperMerge.Apply(paper, fromHub with { DiscoveredAt = T2 }, T2);
        Assert.Equal(UpsertOutcome.Unchanged, secondOutcome);
        Assert.Equal(["transformer", "attention"], again.Keywords);
    }
}
