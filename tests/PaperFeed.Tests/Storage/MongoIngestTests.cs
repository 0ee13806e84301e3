using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Storage.Mongo;

namespace PaperFeed.Tests.Storage;

/// <summary>
/// The MongoDB ingest (<see cref="MongoPaperStore.UpsertInRoundsAsync"/>: merge, write, redo what lost) against an
/// in-memory stand-in for the papers collection that has the two behaviours the ingest relies on: the unique
/// multikey index on <c>keys</c>, and a version-checked replace-upsert that fails with a duplicate key once the
/// version has moved. Another worker's writes are interleaved at the worst moment: after a read, before the write.
/// </summary>
public sealed class MongoIngestTests
{
    private static readonly DateTimeOffset Day = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static PaperDiscovered Arxiv(string id, string source = "arxiv-cs", int version = 1, string? title = null, string? doi = null) =>
        new(source, new DiscoveredPaper { ExternalId = $"{source}:{id}v{version}", ArxivId = $"{id}v{version}", Doi = doi, Title = title ?? $"Paper {id}", Authors = ["Jane Doe"], PublishedAt = Day }, Day);

    private static PaperDiscovered Journal(string doi, string title, string source = "crossref") =>
        new(source, new DiscoveredPaper { ExternalId = doi, Doi = doi, Title = title, Authors = ["Jane Doe"] }, Day);

    [Fact]
    public async Task ABatchGetsOneOutcomePerMessageInOrder()
    {
        var papers = new StoredPapers();
        var a = Arxiv("2501.00001");

        var results = await papers.UpsertAsync([a, a, Arxiv("2501.00002")]);

        Assert.Equal([UpsertOutcome.Added, UpsertOutcome.Unchanged, UpsertOutcome.Added], results.Select(r => r.Outcome));
        Assert.Equal(2, papers.Count);
        Assert.Equal(1, papers.Reads);
    }

    [Fact]
    public async Task KeysOfTwoPapersMergeIntoTheHighestRankedAndLeaveTheOtherItsKeys()
    {
        var papers = new StoredPapers();
        await papers.UpsertAsync([Arxiv("2501.00050", title: "First Paper"), Journal("10.1000/x.50", "Second Paper")]);

        var results = await papers.UpsertAsync([Arxiv("2501.00050", source: "s2", title: "First Paper", doi: "10.1000/x.50")]);

        Assert.Equal(UpsertOutcome.Updated, results[0].Outcome);
        Assert.Equal("arxiv:2501.00050", results[0].Paper.Id);
        Assert.DoesNotContain("doi:10.1000/x.50", results[0].Paper.Keys);
        Assert.Equal(2, papers.Count);
        Assert.Single(papers.Owner("doi:10.1000/x.50")!.Sightings);
    }

    [Fact]
    public async Task AWorkerThatLosesTheInsertsRedoesThemAgainstTheWinnersPapers()
    {
        var papers = new StoredPapers();
        var batch = Enumerable.Range(0, 5).Select(i => Arxiv($"2501.{100 + i:D5}")).ToList();
        IReadOnlyList<UpsertResult> other = [];

        // The other worker writes the same papers after this one read (nothing) and before it writes.
        var mine = await papers.UpsertAsync(batch, afterFirstRead: async () => other = await papers.UpsertAsync(batch));

        Assert.All(other, r => Assert.Equal(UpsertOutcome.Added, r.Outcome));
        Assert.All(mine, r => Assert.Equal(UpsertOutcome.Unchanged, r.Outcome));
        Assert.Equal(5, papers.Count);
        Assert.Equal(other.Select(r => r.Paper.Id), mine.Select(r => r.Paper.Id));
        Assert.Equal(3, papers.Reads); // mine twice (the second after losing), the other's once
    }

    [Fact]
    public async Task AKeyTakenMeanwhileJoinsThePaperThatTookIt()
    {
        var papers = new StoredPapers();

        // This worker sees an arXiv paper with a DOI as new; meanwhile the journal version is stored with that DOI.
        var mine = await papers.UpsertAsync(
            [Arxiv("2501.00043", title: "Graph Kernels", doi: "10.1000/j.1")],
            afterFirstRead: () => papers.UpsertAsync([Journal("10.1000/j.1", "Graph Kernels")]));

        Assert.Equal(UpsertOutcome.Updated, mine[0].Outcome);
        Assert.Equal("arxiv:2501.00043", mine[0].Paper.Id);
        Assert.Equal(1, papers.Count);
        Assert.Equal(["crossref", "arxiv-cs"], papers.Owner("doi:10.1000/j.1")!.Sightings.Select(s => s.Source));
    }

    [Fact]
    public async Task AChangeMadeMeanwhileIsMergedNotOverwritten()
    {
        var papers = new StoredPapers();
        await papers.UpsertAsync([Arxiv("2501.00060")]);

        var mine = await papers.UpsertAsync(
            [Arxiv("2501.00060", source: "hf")],
            afterFirstRead: () => papers.UpsertAsync([Arxiv("2501.00060", source: "rss", version: 2)]));

        var stored = papers.Owner("arxiv:2501.00060")!;
        Assert.Equal(UpsertOutcome.Updated, mine[0].Outcome);
        Assert.Equal(["arxiv-cs", "rss", "hf"], stored.Sightings.Select(s => s.Source));
        Assert.Equal(2, stored.Version); // the other worker's revision survives
        Assert.Equal(2, stored.Revision);
    }

    [Fact]
    public async Task OnlyTheMessagesOfPapersThatLostAreDoneAgain()
    {
        var papers = new StoredPapers();
        await papers.UpsertAsync([Arxiv("2501.00070")]);

        var mine = await papers.UpsertAsync(
            [Arxiv("2501.00070", source: "hf"), Arxiv("2501.00071")],
            afterFirstRead: () => papers.UpsertAsync([Arxiv("2501.00071")]));

        Assert.Equal([UpsertOutcome.Updated, UpsertOutcome.Unchanged], mine.Select(r => r.Outcome));
        Assert.Equal(["arxiv:2501.00071", "title:"], papers.ReadKeys[^1].Select(k => k.StartsWith("title:", StringComparison.Ordinal) ? "title:" : k));
        Assert.Equal(2, papers.Owner("arxiv:2501.00070")!.Sightings.Count);
    }

    [Fact]
    public async Task ConflictsThatNeverEndFailTheBatchAfterTheLastRound()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => MongoPaperStore.UpsertInRoundsAsync(
            [Arxiv("2501.00080")],
            Day,
            _ => Task.FromResult(new List<PaperDocument>()),
            writes => Task.FromResult<IReadOnlyList<int>>(Enumerable.Range(0, writes.Count).ToList())));

        Assert.Contains($"after {MongoPaperStore.MaxWriteRounds} rounds", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The papers collection in memory, stored as BSON, with MongoDB's unique-key and version-check outcomes.</summary>
    private sealed class StoredPapers
    {
        private readonly Dictionary<ObjectId, BsonDocument> _documents = [];

        public int Count => _documents.Count;

        public int Reads => ReadKeys.Count;

        public List<IReadOnlyList<string>> ReadKeys { get; } = [];

        public StoredPaper? Owner(string key) =>
            _documents.Values.Select(d => BsonSerializer.Deserialize<PaperDocument>(d)).SingleOrDefault(d => d.Keys.Contains(key))?.ToPaper();

        /// <summary>Runs an ingest; <paramref name="afterFirstRead"/> runs between its first read and its first write.</summary>
        public async Task<IReadOnlyList<UpsertResult>> UpsertAsync(IReadOnlyList<PaperDiscovered> batch, Func<Task>? afterFirstRead = null)
        {
            var first = true;
            return await MongoPaperStore.UpsertInRoundsAsync(
                batch,
                Day,
                async keys =>
                {
                    var read = Read(keys);
                    if (first && afterFirstRead is not null)
                    {
                        first = false;
                        await afterFirstRead();
                    }

                    return read;
                },
                writes => Task.FromResult(Write(writes)));
        }

        private List<PaperDocument> Read(IReadOnlyList<string> keys)
        {
            ReadKeys.Add(keys);
            return _documents.Values
                .Select(d => BsonSerializer.Deserialize<PaperDocument>(d))
                .Where(d => d.Keys.Intersect(keys, StringComparer.Ordinal).Any())
                .ToList();
        }

        private IReadOnlyList<int> Write(IReadOnlyList<WriteModel<PaperDocument>> writes)
        {
            var lost = new List<int>();
            for (var i = 0; i < writes.Count; i++)
            {
                var written = writes[i] switch
                {
                    InsertOneModel<PaperDocument> insert => TryPut(insert.Document, expectedVersion: null),
                    ReplaceOneModel<PaperDocument> { IsUpsert: true } replace => TryPut(replace.Replacement, ExpectedVersion(replace.Filter)),
                    var other => throw new NotSupportedException(other.GetType().Name),
                };
                if (!written)
                {
                    lost.Add(i);
                }
            }

            return lost;
        }

        private bool TryPut(PaperDocument document, long? expectedVersion)
        {
            // A replace whose version moved on finds nothing, so its upsert inserts the same _id: duplicate key.
            if (_documents.TryGetValue(document.Pk, out var current) && (expectedVersion is null || current["writeVersion"].AsInt64 != expectedVersion))
            {
                return false;
            }

            // The unique multikey index on keys.
            if (_documents.Any(d => d.Key != document.Pk && d.Value["keys"].AsBsonArray.Any(k => document.Keys.Contains(k.AsString))))
            {
                return false;
            }

            _documents[document.Pk] = document.ToBsonDocument();
            return true;
        }

        private static long ExpectedVersion(FilterDefinition<PaperDocument> filter) =>
            filter.Render(new RenderArgs<PaperDocument>(BsonSerializer.LookupSerializer<PaperDocument>(), BsonSerializer.SerializerRegistry))["writeVersion"].AsInt64;
    }
}
