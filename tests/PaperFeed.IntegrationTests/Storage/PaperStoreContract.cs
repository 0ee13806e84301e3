using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using Xunit;

namespace PaperFeed.IntegrationTests.Storage;

/// <summary>
/// What every <see cref="IPaperStore"/> adapter must do. A subclass per adapter supplies a store on storage of
/// its own (xUnit makes a new instance per test, so each test owns its data) and a way to reopen that storage.
/// </summary>
public abstract class PaperStoreContract
{
    private static readonly DateTimeOffset Day = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A store on fresh, empty storage owned by the calling test.</summary>
    protected abstract Task<IPaperStore> CreateStoreAsync();

    /// <summary>A new store instance on the storage of the last <see cref="CreateStoreAsync"/> (as after a restart).</summary>
    protected abstract Task<IPaperStore> ReopenStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static PaperDiscovered Arxiv(string id, string source = "arxiv-cs", int version = 1, DateTimeOffset? published = null, string? title = null, string? abstractText = null, string[]? authors = null) =>
        new(
            source,
            new DiscoveredPaper
            {
                ExternalId = $"oai:arXiv.org:{id}v{version}",
                ArxivId = $"oai:arXiv.org:{id}v{version}",
                Title = title ?? $"Paper {id}",
                Abstract = abstractText,
                Authors = authors ?? ["Jane Doe"],
                PublishedAt = published ?? Day,
            },
            Day);

    [Fact]
    public async Task ABatchReturnsOneOutcomePerMessageInOrder()
    {
        var store = await CreateStoreAsync();
        var a = Arxiv("2501.00001");

        var results = await store.UpsertAsync([a, a, Arxiv("2501.00002")], Ct);

        Assert.Equal([UpsertOutcome.Added, UpsertOutcome.Unchanged, UpsertOutcome.Added], results.Select(r => r.Outcome));
        Assert.Equal(["arxiv:2501.00001", "arxiv:2501.00001", "arxiv:2501.00002"], results.Select(r => r.Paper.Id));
        Assert.All(results, r => Assert.True(r.NeedsAnnouncement));
        Assert.Equal(1, results[1].Paper.Revision);
    }

    [Fact]
    public async Task AnEmptyBatchReturnsNothing()
    {
        var store = await CreateStoreAsync();

        var results = await store.UpsertAsync([], Ct);

        Assert.Empty(results);
    }

    [Fact]
    public async Task TheArxivAbsLinkAndTheDataCiteDoiFromTwoSourcesAreOnePaper()
    {
        var store = await CreateStoreAsync();
        var api = new PaperDiscovered(
            "arxiv-api",
            new DiscoveredPaper { ExternalId = "http://arxiv.org/abs/2501.00010v2", ArxivId = "http://arxiv.org/abs/2501.00010v2", Title = "Sparse Mixtures", Authors = ["Ada Lovelace"] },
            Day);
        var datacite = new PaperDiscovered(
            "datacite",
            new DiscoveredPaper { ExternalId = "10.48550/arXiv.2501.00010", Doi = "10.48550/arXiv.2501.00010", Title = "Sparse mixtures", Authors = ["Lovelace, Ada"] },
            Day);

        var first = await store.UpsertAsync([api], Ct);
        var second = await store.UpsertAsync([datacite], Ct);

        Assert.Equal(UpsertOutcome.Added, first[0].Outcome);
        Assert.Equal(UpsertOutcome.Updated, second[0].Outcome);
        Assert.Equal("arxiv:2501.00010", second[0].Paper.Id);
        foreach (var key in (string[])["arxiv:2501.00010", "2501.00010v3", "10.48550/arXiv.2501.00010", "https://doi.org/10.48550/arXiv.2501.00010", "https://arxiv.org/abs/2501.00010"])
        {
            var found = await store.FindAsync(key, Ct);
            Assert.NotNull(found);
            Assert.Equal("arxiv:2501.00010", found.Id);
            Assert.Equal(["arxiv-api", "datacite"], found.Sightings.Select(s => s.Source).Order(StringComparer.Ordinal));
        }

        var page = await store.ListAsync(new PaperQuery(), Ct);
        Assert.Single(page.Items);
    }

    [Fact]
    public async Task FindReturnsNullForUnknownKeys()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([Arxiv("2501.00020")], Ct);

        Assert.Null(await store.FindAsync("arxiv:2501.99999", Ct));
        Assert.Null(await store.FindAsync("doi:10.1000/none", Ct));
        Assert.Null(await store.FindAsync("not a key", Ct));
        Assert.Null(await store.FindAsync("", Ct));
    }

    [Fact]
    public async Task FindWorksByADoiAndByTheTitleKey()
    {
        var store = await CreateStoreAsync();
        var journal = new PaperDiscovered(
            "crossref",
            new DiscoveredPaper { ExternalId = "10.1103/PhysRevB.71.184511", Doi = "10.1103/PhysRevB.71.184511", Title = "Vortex Lattices", Authors = ["Ada Lovelace"] },
            Day);

        var results = await store.UpsertAsync([journal], Ct);

        Assert.Equal("doi:10.1103/physrevb.71.184511", results[0].Paper.Id);
        Assert.Equal(results[0].Paper.Id, (await store.FindAsync("https://doi.org/10.1103/PHYSREVB.71.184511", Ct))?.Id);
        Assert.Equal(results[0].Paper.Id, (await store.FindAsync(PaperIdentity.TitleKey("vortex lattices", "Lovelace, A."), Ct))?.Id);
    }

    [Fact]
    public async Task ANewVersionIsARevision()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([Arxiv("2501.00030", version: 1, abstractText: "First.")], Ct);

        var v2 = await store.UpsertAsync([Arxiv("2501.00030", version: 2, abstractText: "Second.")], Ct);
        var v1Again = await store.UpsertAsync([Arxiv("2501.00030", version: 1, abstractText: "First.")], Ct);

        Assert.Equal(UpsertOutcome.Revised, v2[0].Outcome);
        Assert.Equal(2, v2[0].Paper.Revision);
        Assert.True(v2[0].NeedsAnnouncement);
        Assert.Equal(UpsertOutcome.Unchanged, v1Again[0].Outcome); // an older version seen again changes nothing
        var stored = await store.FindAsync("arxiv:2501.00030", Ct);
        Assert.NotNull(stored);
        Assert.Equal(2, stored.Version);
        Assert.Equal(2, stored.Revision);
        Assert.Equal("Second.", stored.Abstract);
    }

    [Fact]
    public async Task AWithdrawalIsARevisionAndThePaperIsKept()
    {
        var store = await CreateStoreAsync();
        var paper = Arxiv("2501.00031");
        await store.UpsertAsync([paper], Ct);

        var results = await store.UpsertAsync([paper with { Paper = paper.Paper with { WithdrawnAt = Day.AddDays(3) } }], Ct);

        Assert.Equal(UpsertOutcome.Revised, results[0].Outcome);
        var stored = await store.FindAsync("arxiv:2501.00031", Ct);
        Assert.NotNull(stored);
        Assert.Equal(Day.AddDays(3), stored.WithdrawnAt);
        Assert.Equal(2, stored.Revision);
    }

    [Fact]
    public async Task ChangedMetricsAreStoredWithHistory()
    {
        var store = await CreateStoreAsync();
        var hf = Arxiv("2501.00032", source: "hf");
        await store.UpsertAsync([hf with { Paper = hf.Paper with { Metrics = new PaperMetrics { Upvotes = 3 } } }], Ct);

        var results = await store.UpsertAsync([hf with { Paper = hf.Paper with { Metrics = new PaperMetrics { Upvotes = 9 } } }], Ct);

        Assert.Equal(UpsertOutcome.Updated, results[0].Outcome);
        var stored = await store.FindAsync("arxiv:2501.00032", Ct);
        Assert.NotNull(stored);
        Assert.Equal(9, stored.Metrics.Upvotes);
        Assert.Equal([3, 9], stored.MetricHistory.Select(m => m.Metrics.Upvotes ?? -1));
    }

    [Fact]
    public async Task AnAnnouncedPaperRedeliveredNeedsNoAnnouncementButAnUnannouncedOneStillDoes()
    {
        var store = await CreateStoreAsync();
        var announced = Arxiv("2501.00040");
        var lost = Arxiv("2501.00041");
        var added = await store.UpsertAsync([announced, lost], Ct);
        Assert.All(added, r => Assert.True(r.NeedsAnnouncement));

        await store.MarkAnnouncedAsync([(added[0].Paper.Id, added[0].Paper.Revision)], Ct);
        var redelivered = await store.UpsertAsync([announced, lost], Ct);

        Assert.Equal([UpsertOutcome.Unchanged, UpsertOutcome.Unchanged], redelivered.Select(r => r.Outcome));
        Assert.False(redelivered[0].NeedsAnnouncement);
        Assert.Equal(1, redelivered[0].Paper.AnnouncedRevision);
        Assert.True(redelivered[1].NeedsAnnouncement);
        Assert.Equal(0, redelivered[1].Paper.AnnouncedRevision);
    }

    [Fact]
    public async Task MarkAnnouncedNeverMovesBackAndIgnoresUnknownPapers()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([Arxiv("2501.00042", version: 1)], Ct);
        await store.UpsertAsync([Arxiv("2501.00042", version: 2)], Ct);

        await store.MarkAnnouncedAsync([("arxiv:2501.00042", 2), ("arxiv:2501.99999", 1)], Ct);
        await store.MarkAnnouncedAsync([("arxiv:2501.00042", 1)], Ct);

        var stored = await store.FindAsync("arxiv:2501.00042", Ct);
        Assert.NotNull(stored);
        Assert.Equal(2, stored.Revision);
        Assert.Equal(2, stored.AnnouncedRevision);
        Assert.Null(await store.FindAsync("arxiv:2501.99999", Ct));
    }

    [Fact]
    public async Task MarkAnnouncedFindsAPaperByAnIdItHadBeforeGainingAHigherRankedKey()
    {
        var store = await CreateStoreAsync();
        var journal = new PaperDiscovered(
            "crossref",
            new DiscoveredPaper { ExternalId = "10.1000/j.1", Doi = "10.1000/J.1", Title = "Graph Kernels", Authors = ["Ada Lovelace"] },
            Day);
        var arxiv = new PaperDiscovered(
            "arxiv",
            new DiscoveredPaper { ExternalId = "2501.00043", ArxivId = "2501.00043v1", Doi = "10.1000/j.1", Title = "Graph Kernels", Authors = ["Ada Lovelace"] },
            Day);
        var added = await store.UpsertAsync([journal], Ct);
        var joined = await store.UpsertAsync([arxiv], Ct);

        await store.MarkAnnouncedAsync([(added[0].Paper.Id, 1)], Ct);

        Assert.Equal("doi:10.1000/j.1", added[0].Paper.Id);
        Assert.Equal("arxiv:2501.00043", joined[0].Paper.Id);
        var stored = await store.FindAsync("doi:10.1000/j.1", Ct);
        Assert.NotNull(stored);
        Assert.Equal("arxiv:2501.00043", stored.Id);
        Assert.Equal(1, stored.AnnouncedRevision);
    }

    [Fact]
    public async Task KeysPointingAtTwoPapersMergeIntoTheHighestRankedAndLeaveTheOtherItsKeys()
    {
        var store = await CreateStoreAsync();
        var arxivOnly = Arxiv("2501.00050", title: "First Paper");
        var doiOnly = new PaperDiscovered(
            "crossref",
            new DiscoveredPaper { ExternalId = "10.1000/x.50", Doi = "10.1000/x.50", Title = "Second Paper", Authors = ["Ada Lovelace"] },
            Day);
        var both = new PaperDiscovered(
            "s2",
            new DiscoveredPaper { ExternalId = "s2-50", ArxivId = "2501.00050", Doi = "10.1000/x.50", Title = "First Paper", Authors = ["Jane Doe"] },
            Day);
        await store.UpsertAsync([arxivOnly, doiOnly], Ct);

        var results = await store.UpsertAsync([both], Ct);

        Assert.Equal(UpsertOutcome.Updated, results[0].Outcome);
        Assert.Equal("arxiv:2501.00050", results[0].Paper.Id);
        Assert.DoesNotContain("doi:10.1000/x.50", results[0].Paper.Keys);
        var byDoi = await store.FindAsync("doi:10.1000/x.50", Ct);
        Assert.NotNull(byDoi);
        Assert.Equal("doi:10.1000/x.50", byDoi.Id);
        Assert.Single(byDoi.Sightings);
        var byArxiv = await store.FindAsync("arxiv:2501.00050", Ct);
        Assert.NotNull(byArxiv);
        Assert.Equal(2, byArxiv.Sightings.Count);
        Assert.Equal(2, (await store.ListAsync(new PaperQuery(), Ct)).Items.Count);
    }

    [Fact]
    public async Task TwoArxivPapersWithTheSameTitleAndAuthorStayTwoPapers()
    {
        var store = await CreateStoreAsync();

        var results = await store.UpsertAsync([Arxiv("2501.00060", title: "Lecture Notes"), Arxiv("2501.00061", title: "Lecture notes")], Ct);

        Assert.Equal([UpsertOutcome.Added, UpsertOutcome.Added], results.Select(r => r.Outcome));
        Assert.Equal(["arxiv:2501.00060", "arxiv:2501.00061"], results.Select(r => r.Paper.Id));
        var titleKey = PaperIdentity.TitleKey("Lecture Notes", "Jane Doe");
        Assert.Equal("arxiv:2501.00060", (await store.FindAsync(titleKey, Ct))?.Id);
        Assert.DoesNotContain(titleKey, results[1].Paper.Keys);
    }

    [Fact]
    public async Task ConcurrentBatchesOfTheSamePapersStoreEachPaperOnce()
    {
        var store = await CreateStoreAsync();
        var batch = Enumerable.Range(0, 20).Select(i => Arxiv($"2501.{100 + i:D5}")).ToList();

        var all = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.UpsertAsync(batch, Ct), Ct)));

        var outcomes = all.SelectMany(r => r).ToList();
        Assert.Equal(80, outcomes.Count);
        Assert.Equal(20, outcomes.Count(r => r.Outcome == UpsertOutcome.Added));
        Assert.Equal(60, outcomes.Count(r => r.Outcome == UpsertOutcome.Unchanged));
        Assert.Equal(20, (await store.ListAsync(new PaperQuery(Limit: 200), Ct)).Items.Count);
    }

    [Fact]
    public async Task ListIsNewestFirst()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(
        [
            Arxiv("2501.00070", published: Day.AddDays(1)),
            Arxiv("2501.00071", published: Day.AddDays(3)),
            Arxiv("2501.00072", published: Day.AddDays(2)),
        ], Ct);

        var page = await store.ListAsync(new PaperQuery(), Ct);

        Assert.Equal(["arxiv:2501.00071", "arxiv:2501.00072", "arxiv:2501.00070"], page.Items.Select(p => p.Id));
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task PagingThroughThreePagesSeesEveryPaperOnce()
    {
        var store = await CreateStoreAsync();
        // Three papers share one date, so the order within a date must be stable across pages too.
        var ids = Enumerable.Range(200, 7).Select(i => $"2501.{i:D5}").ToList();
        await store.UpsertAsync(ids.Select((id, i) => Arxiv(id, published: Day.AddDays(i < 3 ? 0 : i))).ToList(), Ct);

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await store.ListAsync(new PaperQuery(Limit: 3, Cursor: cursor), Ct);
            pages++;
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(p => p.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(7, seen.Count);
        Assert.Equal(ids.Select(id => "arxiv:" + id), seen.Order(StringComparer.Ordinal));
        Assert.Equal(["arxiv:2501.00206", "arxiv:2501.00205", "arxiv:2501.00204", "arxiv:2501.00203"], seen.Take(4));
    }

    [Fact]
    public async Task ListClampsTheLimit()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Enumerable.Range(0, 205).Select(i => Arxiv($"2502.{i:D5}")).ToList(), Ct);

        var zero = await store.ListAsync(new PaperQuery(Limit: 0), Ct);
        var huge = await store.ListAsync(new PaperQuery(Limit: 10_000), Ct);

        Assert.Single(zero.Items);
        Assert.NotNull(zero.NextCursor);
        Assert.Equal(200, huge.Items.Count);
        Assert.NotNull(huge.NextCursor);
        var rest = await store.ListAsync(new PaperQuery(Limit: 10_000, Cursor: huge.NextCursor), Ct);
        Assert.Equal(5, rest.Items.Count);
        Assert.Null(rest.NextCursor);
    }

    [Theory]
    [InlineData("not-a-cursor!")]
    [InlineData("bm9wZQ")] // base64url of "nope"
    [InlineData("MTIzfGFiYw")] // base64url of "123|abc"
    public async Task AnInvalidCursorIsAnArgumentException(string cursor)
    {
        var store = await CreateStoreAsync();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.ListAsync(new PaperQuery(Cursor: cursor), Ct));

        Assert.Contains("cursor", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SinceKeepsPapersAtOrAfterTheDate()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(
        [
            Arxiv("2501.00080", published: Day.AddDays(-1)),
            Arxiv("2501.00081", published: Day),
            Arxiv("2501.00082", published: Day.AddDays(1)),
        ], Ct);

        var page = await store.ListAsync(new PaperQuery(Since: Day), Ct);

        Assert.Equal(["arxiv:2501.00082", "arxiv:2501.00081"], page.Items.Select(p => p.Id));
    }

    [Fact]
    public async Task SourceKeepsPapersThatSourceSaw()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(
        [
            Arxiv("2501.00090", source: "hf"),
            Arxiv("2501.00091", source: "arxiv-cs"),
            Arxiv("2501.00092", source: "hf", published: Day.AddDays(1)),
            Arxiv("2501.00091", source: "hf"),
        ], Ct);

        var hf = await store.ListAsync(new PaperQuery(Source: "hf"), Ct);
        var arxiv = await store.ListAsync(new PaperQuery(Source: "arxiv-cs"), Ct);
        var none = await store.ListAsync(new PaperQuery(Source: "nobody"), Ct);

        Assert.Equal("arxiv:2501.00092", hf.Items[0].Id);
        Assert.Equal(["arxiv:2501.00090", "arxiv:2501.00091", "arxiv:2501.00092"], hf.Items.Select(p => p.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["arxiv:2501.00091"], arxiv.Items.Select(p => p.Id));
        Assert.Empty(none.Items);
    }

    [Fact]
    public async Task TextSearchesTitleAbstractAndAuthors()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(
        [
            Arxiv("2501.00100", title: "Quantum Error Correction", abstractText: "Surface codes.", authors: ["Alice Quantum"]),
            Arxiv("2501.00101", title: "Graph Neural Networks", abstractText: "Message passing on molecules.", authors: ["Bob Smith"]),
            Arxiv("2501.00102", title: "Schrödinger Bridges", abstractText: "Diffusion.", authors: ["Carla Müller"]),
        ], Ct);

        async Task<string[]> Search(string text) =>
            [.. (await store.ListAsync(new PaperQuery(Text: text), Ct)).Items.Select(p => p.Id).Order(StringComparer.Ordinal)];

        Assert.Equal(["arxiv:2501.00100"], await Search("quantum"));
        Assert.Equal(["arxiv:2501.00101"], await Search("molecules"));
        Assert.Equal(["arxiv:2501.00101"], await Search("Smith"));
        Assert.Equal(["arxiv:2501.00101"], await Search("graph networks"));
        Assert.Equal(["arxiv:2501.00102"], await Search("schrodinger"));
        Assert.Equal(["arxiv:2501.00102"], await Search("Muller"));
        Assert.Empty(await Search("graph quantum"));
        Assert.Empty(await Search("nothing-like-this"));
    }

    [Fact]
    public async Task TextSearchFollowsARevisedTitle()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([Arxiv("2501.00103", version: 1, title: "Old Wording")], Ct);
        await store.UpsertAsync([Arxiv("2501.00103", version: 2, title: "Fresh Phrasing")], Ct);

        var fresh = await store.ListAsync(new PaperQuery(Text: "phrasing"), Ct);
        var old = await store.ListAsync(new PaperQuery(Text: "wording"), Ct);

        Assert.Equal(["arxiv:2501.00103"], fresh.Items.Select(p => p.Id));
        Assert.Empty(old.Items);
    }

    [Theory]
    [InlineData("\"; DROP TABLE papers; --")]
    [InlineData("AND OR NOT")]
    [InlineData("NEAR(")]
    [InlineData("title:quantum*")]
    [InlineData("\"unbalanced")]
    [InlineData("*")]
    [InlineData("^ - + ( ) { } :")]
    public async Task HostileSearchTextDoesNotThrowAndLeavesTheStoreIntact(string text)
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([Arxiv("2501.00110", title: "Quantum Walks")], Ct);

        var page = await store.ListAsync(new PaperQuery(Text: text), Ct);

        Assert.Empty(page.Items);
        Assert.Null(page.NextCursor);
        Assert.Single((await store.ListAsync(new PaperQuery(), Ct)).Items);
    }

    [Theory]
    [InlineData("quantum*", 1)] // operators around a word are dropped, the word is searched
    [InlineData("(walks)", 1)]
    [InlineData("\"quantum walks\"", 1)]
    [InlineData("", 2)] // no text is no filter
    [InlineData("   ", 2)]
    public async Task SearchTextIsReadAsPlainWords(string text, int expected)
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([Arxiv("2501.00111", title: "Quantum Walks"), Arxiv("2501.00112", title: "Other")], Ct);

        var page = await store.ListAsync(new PaperQuery(Text: text), Ct);

        Assert.Equal(expected, page.Items.Count);
        Assert.Contains("arxiv:2501.00111", page.Items.Select(p => p.Id));
    }

    [Fact]
    public async Task FiltersCombine()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(
        [
            Arxiv("2501.00120", source: "hf", title: "Quantum Walks", published: Day.AddDays(2)),
            Arxiv("2501.00121", source: "arxiv-cs", title: "Quantum Chemistry", published: Day.AddDays(2)),
            Arxiv("2501.00122", source: "hf", title: "Quantum Gravity", published: Day.AddDays(-2)),
            Arxiv("2501.00123", source: "hf", title: "Classical Walks", published: Day.AddDays(2)),
        ], Ct);

        var page = await store.ListAsync(new PaperQuery(Text: "quantum", Source: "hf", Since: Day), Ct);

        Assert.Equal(["arxiv:2501.00120"], page.Items.Select(p => p.Id));
    }

    [Fact]
    public async Task DataSurvivesReopening()
    {
        var store = await CreateStoreAsync();
        var added = await store.UpsertAsync([Arxiv("2501.00130", title: "Durable Storage"), Arxiv("2501.00131")], Ct);
        await store.MarkAnnouncedAsync([(added[0].Paper.Id, 1)], Ct);

        var reopened = await ReopenStoreAsync();
        var found = await reopened.FindAsync("2501.00130v1", Ct);
        var again = await reopened.UpsertAsync([Arxiv("2501.00130", title: "Durable Storage")], Ct);
        var searched = await reopened.ListAsync(new PaperQuery(Text: "durable"), Ct);

        Assert.NotNull(found);
        Assert.Equal("Durable Storage", found.Title);
        Assert.Equal(1, found.AnnouncedRevision);
        Assert.Equal(Day, found.PublishedAt);
        Assert.Equal(UpsertOutcome.Unchanged, again[0].Outcome);
        Assert.False(again[0].NeedsAnnouncement);
        Assert.Equal(["arxiv:2501.00130"], searched.Items.Select(p => p.Id));
        Assert.Equal(2, (await reopened.ListAsync(new PaperQuery(), Ct)).Items.Count);
    }

    [Fact]
    public async Task TheStoredDocumentRoundTripsEveryField()
    {
        var store = await CreateStoreAsync();
        var paper = new PaperDiscovered(
            "hf",
            new DiscoveredPaper
            {
                ExternalId = "2501.00140",
                ArxivId = "2501.00140v2",
                Doi = "10.1000/rt.140",
                Title = "Round Trip",
                Abstract = "All fields.",
                Authors = ["Ada Lovelace", "Charles Babbage"],
                Categories = ["cs.LG", "stat.ML"],
                PublishedAt = Day,
                UpdatedAt = Day.AddDays(1),
                Links = new PaperLinks { Abstract = "https://arxiv.org/abs/2501.00140", Pdf = "https://arxiv.org/pdf/2501.00140", Code = "https://github.com/a/b", Project = "https://a.example" },
                Metrics = new PaperMetrics { Upvotes = 5, Comments = 2, GithubStars = 40 },
            },
            Day);

        var written = (await store.UpsertAsync([paper], Ct))[0].Paper;
        var read = await store.FindAsync("arxiv:2501.00140", Ct);

        Assert.NotNull(read);
        Assert.Equal(written.Keys, read.Keys);
        Assert.Equal(written.Authors, read.Authors);
        Assert.Equal(written.Categories, read.Categories);
        Assert.Equal(written.Links, read.Links);
        Assert.Equal(written.Metrics, read.Metrics);
        Assert.Equal(written.Sightings, read.Sightings);
        Assert.Equal(written.MetricHistory.Single().At, read.MetricHistory.Single().At);
        Assert.Equal(written.MetricHistory.Single().Metrics, read.MetricHistory.Single().Metrics);
        Assert.Equal((written.Id, written.Title, written.Abstract, written.Version, written.PublishedAt, written.UpdatedAt), (read.Id, read.Title, read.Abstract, read.Version, read.PublishedAt, read.UpdatedAt));
        Assert.Equal((written.Revision, written.AnnouncedRevision, written.FirstSeenAt, written.LastChangedAt), (read.Revision, read.AnnouncedRevision, read.FirstSeenAt, read.LastChangedAt));
    }
}
