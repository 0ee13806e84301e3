using MongoDB.Bson;
using PaperFeed.Worker.Storage.Mongo;

namespace PaperFeed.Tests.Storage;

public sealed class MongoSearchWordsTests
{
    [Fact]
    public void WordsAreLowerCasedWithoutDiacriticsAndDistinct()
    {
        var words = MongoSearchWords.Of(["Schrödinger Bridges", "Diffusion; bridges.", "Carla Müller", null]);

        Assert.Equal(["schrodinger", "bridges", "diffusion", "carla", "muller"], words);
    }

    [Fact]
    public void ADecomposedAccentDoesNotSplitAWord()
    {
        Assert.Equal(["schrodinger"], MongoSearchWords.Of(["Schro\u0308dinger"]));
    }

    [Theory]
    [InlineData("quantum walks", new[] { "quantum", "walks" })]
    [InlineData("\"quantum walks\"", new[] { "quantum", "walks" })]
    [InlineData("\"; DROP TABLE papers; --", new[] { "drop", "table", "papers" })]
    [InlineData("title:quantum*", new[] { "title", "quantum" })]
    [InlineData("AND OR NOT", new[] { "and", "or", "not" })]
    [InlineData("Schrödinger–Bridges", new[] { "schrodinger", "bridges" })]
    [InlineData("*", new string[0])]
    [InlineData("^ - + ( ) { } :", new string[0])]
    [InlineData("{ \"$where\": \"1\" }", new[] { "where", "1" })]
    public void ASearchIsItsWordsAndNothingElse(string text, string[] expected)
    {
        Assert.Equal(expected, MongoSearchWords.Query(text));
    }

    [Fact]
    public void ASearchKeepsAtMostSixteenWords()
    {
        var text = string.Join(' ', Enumerable.Range(0, 20).Select(i => $"w{i}"));

        Assert.Equal(16, MongoSearchWords.Query(text).Count);
    }

    [Fact]
    public void ACursorRoundTrips()
    {
        var sortAt = DateTime.UnixEpoch.AddMilliseconds(1_775_001_600_000);
        var pk = ObjectId.GenerateNewId();

        var cursor = MongoPaperStore.EncodeCursor(sortAt, pk);

        Assert.Equal((sortAt, pk), MongoPaperStore.DecodeCursor(cursor));
        Assert.DoesNotContain('=', cursor);
        Assert.DoesNotContain('+', cursor);
        Assert.DoesNotContain('/', cursor);
    }

    [Theory]
    [InlineData("not-a-cursor!")]
    [InlineData("bm9wZQ")] // "nope"
    [InlineData("MTIzfGFiYw")] // "123|abc"
    [InlineData("MTc3NTAwMTYwMDAwMHw0Mg")] // a SQLite cursor: "1775001600000|42"
    public void AForeignCursorIsAnArgumentException(string cursor)
    {
        var e = Assert.Throws<ArgumentException>(() => MongoPaperStore.DecodeCursor(cursor));

        Assert.Contains("cursor", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
