using PaperFeed.Worker.Cli;

namespace PaperFeed.Tests.Sources.ArxivOai;

/// <summary>The <c>backfill</c> command line: what it accepts and what it refuses before touching anything.</summary>
public sealed class BackfillCommandTests
{
    [Fact]
    public void SourceFromAndUntilAreParsedAndUnknownTokensGoToTheHost()
    {
        var command = BackfillCommand.Create();

        var parse = command.Parse(["arxiv-cs", "--from", "2024-01-01", "--until", "2024-01-31", "--ConnectionStrings:Sqlite=Data Source=x.db"]);

        Assert.Empty(parse.Errors);
        Assert.Equal("arxiv-cs", parse.GetValue<string>("source"));
        Assert.Equal("2024-01-01", parse.GetValue<string>("--from"));
        Assert.Equal("2024-01-31", parse.GetValue<string?>("--until"));
        Assert.Equal(["--ConnectionStrings:Sqlite=Data Source=x.db"], parse.UnmatchedTokens);
    }

    [Fact]
    public void FromIsRequired()
    {
        var parse = BackfillCommand.Create().Parse(["arxiv-cs"]);

        Assert.Contains(parse.Errors, e => e.Message.Contains("--from", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2024-02-01", "2024-01-31", "paperfeed: --until 2024-01-31 is before --from 2024-02-01")]
    [InlineData("2024-01-01", "January", "paperfeed: --from and --until take a YYYY-MM-DD date (got 'January')")]
    public async Task BadDatesAreRefusedBeforeAnythingStarts(string from, string until, string message)
    {
        var stderr = new StringWriter();

        var code = await BackfillCommand.BackfillAsync("arxiv-cs", from, until, [], stderr, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Equal(message, stderr.ToString().Trim());
    }
}
