using PaperFeed.Contracts;
using PaperFeed.Worker.Sources.Arxiv;

namespace PaperFeed.Tests.Sources.Arxiv;

/// <summary>The arxiv-api checkpoint: newest published second plus the ids seen at that second.</summary>
public sealed class ArxivApiCheckpointTests
{
    private static readonly DateTimeOffset T = new(2026, 4, 10, 12, 0, 0, TimeSpan.Zero);

    private static DiscoveredPaper Paper(string id, DateTimeOffset? published) =>
        new() { ExternalId = id, Title = id, PublishedAt = published };

    [Fact]
    public void RoundTripsThroughItsText()
    {
        var checkpoint = new ArxivApiCheckpoint(T, new HashSet<string> { "2604.00002", "cond-mat/0412498" });

        var text = checkpoint.ToString();

        Assert.Equal("2026-04-10T12:00:00Z 2604.00002 cond-mat/0412498", text);
        var parsed = ArxivApiCheckpoint.Parse(text)!;
        Assert.Equal(T, parsed.Published);
        Assert.Equal(["2604.00002", "cond-mat/0412498"], parsed.Ids.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday 2604.00001")]
    [InlineData("{\"etag\":\"x\"}")]
    public void UnreadableTextIsNoCheckpoint(string? text)
    {
        Assert.Null(ArxivApiCheckpoint.Parse(text));
    }

    [Fact]
    public void CoversOlderPapersAndTheSameSecondOnlyForIdsItSaw()
    {
        var checkpoint = ArxivApiCheckpoint.Parse("2026-04-10T12:00:00Z 2604.00002")!;

        Assert.True(checkpoint.Covers(Paper("2604.00001", T.AddSeconds(-1))));
        Assert.True(checkpoint.Covers(Paper("2604.00002", T)));
        Assert.False(checkpoint.Covers(Paper("2604.00003", T)));
        Assert.False(checkpoint.Covers(Paper("2604.00004", T.AddSeconds(1))));
        Assert.False(checkpoint.Covers(Paper("2604.00005", null)));
    }

    [Fact]
    public void AfterAPollIsTheNewestSecondWithEveryIdAtIt()
    {
        var next = ArxivApiCheckpoint.After(null, [Paper("b", T), Paper("a", T), Paper("c", T.AddSeconds(-5)), Paper("d", null)]);

        Assert.Equal("2026-04-10T12:00:00Z a b", next!.ToString());
    }

    [Fact]
    public void AfterAPollAtTheSameSecondKeepsThePreviousIds()
    {
        var previous = ArxivApiCheckpoint.Parse("2026-04-10T12:00:00Z a");

        var next = ArxivApiCheckpoint.After(previous, [Paper("b", T)]);

        Assert.Equal("2026-04-10T12:00:00Z a b", next!.ToString());
    }

    [Fact]
    public void AfterAPollWithNothingNewIsThePreviousCheckpoint()
    {
        var previous = ArxivApiCheckpoint.Parse("2026-04-10T12:00:00Z a");

        Assert.Same(previous, ArxivApiCheckpoint.After(previous, []));
        Assert.Null(ArxivApiCheckpoint.After(null, [Paper("x", null)]));
    }
}
