using Microsoft.Extensions.Configuration;
using PaperFeed.Worker.Sources;
using Quartz;

namespace PaperFeed.Tests.Sources;

/// <summary><see cref="SourceCatalog.Read"/>: every broken entry keeps a ConfigError, the rest still run.</summary>
public sealed class SourceCatalogTests
{
    // As SourceRegistry passes them: the keys of a case-insensitive dictionary.
    private static readonly HashSet<string> KnownTypes = new(StringComparer.OrdinalIgnoreCase) { "rss", "arxiv" };

    private static IReadOnlyList<SourceDefinition> Read(Dictionary<string, string?> values, string defaultSchedule = "1h")
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return SourceCatalog.Read(configuration, KnownTypes, defaultSchedule);
    }

    /// <summary>Two valid sources at indexes 0 and 2 around whatever entry a test puts at index 1.</summary>
    private static Dictionary<string, string?> WithValidNeighbours(Dictionary<string, string?> middle)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["PaperFeed:Sources:0:Name"] = "first",
            ["PaperFeed:Sources:0:Type"] = "rss",
            ["PaperFeed:Sources:0:Url"] = "https://example.org/first.xml",
            ["PaperFeed:Sources:0:Schedule"] = "15m",
            ["PaperFeed:Sources:2:Name"] = "third",
            ["PaperFeed:Sources:2:Type"] = "arxiv",
            ["PaperFeed:Sources:2:Schedule"] = "0 6 * * MON-FRI",
        };
        foreach (var (key, value) in middle)
        {
            values["PaperFeed:Sources:1:" + key] = value;
        }

        return values;
    }

    private static void AssertNeighboursAreFine(IReadOnlyList<SourceDefinition> sources)
    {
        Assert.Equal(3, sources.Count);

        var first = sources[0];
        Assert.Equal("first", first.Name);
        Assert.Equal("rss", first.Type);
        Assert.Equal(new Uri("https://example.org/first.xml"), first.Url);
        Assert.Equal(TimeSpan.FromMinutes(15), first.ParsedSchedule?.Interval);
        Assert.Null(first.ConfigError);
        Assert.True(first.Runnable);

        var third = sources[2];
        Assert.Equal("third", third.Name);
        Assert.Equal("arxiv", third.Type);
        Assert.Null(third.Url);
        Assert.Equal("0 6 * * MON-FRI", third.ParsedSchedule?.Cron);
        Assert.Equal(CronFormat.Unix, third.ParsedSchedule?.Format);
        Assert.Null(third.ConfigError);
        Assert.True(third.Runnable);
    }

    [Fact]
    public void ValidSourceIsReadCompletely()
    {
        var sources = Read(new()
        {
            ["PaperFeed:Sources:0:Name"] = "  arxiv-cs  ",
            ["PaperFeed:Sources:0:Type"] = "arxiv",
            ["PaperFeed:Sources:0:Url"] = " http://export.arxiv.org/api/query ",
            ["PaperFeed:Sources:0:Schedule"] = " 30m ",
            ["PaperFeed:Sources:0:Enabled"] = "true",
        });

        var source = Assert.Single(sources);
        Assert.Equal("arxiv-cs", source.Name);
        Assert.Equal("arxiv", source.Type);
        Assert.Equal(new Uri("http://export.arxiv.org/api/query"), source.Url);
        Assert.Equal("30m", source.Schedule);
        Assert.Equal(new PollSchedule(TimeSpan.FromMinutes(30), null), source.ParsedSchedule);
        Assert.True(source.Enabled);
        Assert.Null(source.ConfigError);
        Assert.True(source.Runnable);
        Assert.Empty(source.Options);
    }

    [Fact]
    public void NoSourcesSectionGivesAnEmptyList()
    {
        Assert.Empty(Read(new() { ["PaperFeed:Polling:DefaultSchedule"] = "1h" }));
    }

    [Fact]
    public void MissingNameIsAConfigError()
    {
        var sources = Read(WithValidNeighbours(new() { ["Type"] = "rss", ["Url"] = "https://example.org/a.xml" }));

        AssertNeighboursAreFine(sources);
        Assert.Equal("source-1", sources[1].Name);
        Assert.Equal("source 'source-1': PaperFeed:Sources:1:Name is missing", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Fact]
    public void BlankNameIsAConfigError()
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "   ", ["Type"] = "rss" }));

        AssertNeighboursAreFine(sources);
        Assert.Equal("source-1", sources[1].Name);
        Assert.Equal("source 'source-1': PaperFeed:Sources:1:Name is missing", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Fact]
    public void ANameStartingWithAtIsReservedForJobs()
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "@job:digest", ["Type"] = "rss" }));

        AssertNeighboursAreFine(sources);
        Assert.Equal("source '@job:digest': source name '@job:digest' starts with '@', which is reserved for PaperFeed's own jobs", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Fact]
    public void DuplicateNameIsAConfigErrorIgnoringCase()
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "FIRST", ["Type"] = "rss" }));

        AssertNeighboursAreFine(sources);
        Assert.Equal("FIRST", sources[1].Name);
        Assert.Equal("source 'FIRST': another source is already named 'FIRST'", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Fact]
    public void MissingTypeIsAConfigError()
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "untyped" }));

        AssertNeighboursAreFine(sources);
        Assert.Equal("", sources[1].Type);
        Assert.Equal("source 'untyped': Type is missing", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Fact]
    public void UnknownTypeIsAConfigErrorListingTheKnownOnes()
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "atom-feed", ["Type"] = "atom" }));

        AssertNeighboursAreFine(sources);
        Assert.Equal("atom", sources[1].Type);
        Assert.Equal("source 'atom-feed': unknown source type 'atom' (known: arxiv, rss)", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Fact]
    public void TypeIsMatchedIgnoringCaseAndKeptAsWritten()
    {
        var source = Assert.Single(Read(new() { ["PaperFeed:Sources:0:Name"] = "a", ["PaperFeed:Sources:0:Type"] = " RSS " }));

        Assert.Equal("RSS", source.Type);
        Assert.Null(source.ConfigError);
        Assert.True(source.Runnable);
    }

    [Theory]
    [InlineData("ftp://example.org/feed.xml")]
    [InlineData("file:///etc/passwd")]
    [InlineData("mailto:someone@example.org")]
    [InlineData("/feeds/rss.xml")]
    [InlineData("feeds/rss.xml")]
    [InlineData("example.org/rss")]
    [InlineData("not a url")]
    public void NonHttpOrRelativeUrlIsAConfigError(string url)
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "bad-url", ["Type"] = "rss", ["Url"] = url }));

        AssertNeighboursAreFine(sources);
        Assert.Null(sources[1].Url);
        Assert.Equal($"source 'bad-url': Url '{url}' is not an absolute http(s) URL", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Theory]
    [InlineData("http://example.org/rss")]
    [InlineData("https://example.org/rss?x=1")]
    [InlineData("HTTPS://EXAMPLE.ORG/rss")]
    public void HttpAndHttpsUrlsAreAccepted(string url)
    {
        var source = Assert.Single(Read(new()
        {
            ["PaperFeed:Sources:0:Name"] = "a",
            ["PaperFeed:Sources:0:Type"] = "rss",
            ["PaperFeed:Sources:0:Url"] = url,
        }));

        Assert.Equal(new Uri(url), source.Url);
        Assert.Null(source.ConfigError);
    }

    [Theory]
    [InlineData("every tuesday")]
    [InlineData("61 * * * *")]
    public void BadScheduleIsAConfigError(string schedule)
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "bad-schedule", ["Type"] = "rss", ["Schedule"] = schedule }));

        AssertNeighboursAreFine(sources);
        Assert.Equal(schedule, sources[1].Schedule);
        Assert.Null(sources[1].ParsedSchedule);
        Assert.StartsWith(
            $"source 'bad-schedule': Schedule '{schedule}' is neither an interval (15m, 1h, 00:30:00) nor a cron expression",
            sources[1].ConfigError,
            StringComparison.Ordinal);
        Assert.False(sources[1].Runnable);
    }

    [Fact]
    public void TooShortScheduleIsAConfigError()
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "zero", ["Type"] = "rss", ["Schedule"] = "0s" }));

        AssertNeighboursAreFine(sources);
        Assert.Equal("source 'zero': Schedule '0s' is shorter than 1 s", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Fact]
    public void OverflowingScheduleIsAConfigErrorNotAnException()
    {
        // Production bug: PollSchedule.TryParse throws for an interval too large for long/TimeSpan,
        // so Read throws and every other source is lost with it.
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "huge", ["Type"] = "rss", ["Schedule"] = "99999999999999999999s" }));

        AssertNeighboursAreFine(sources);
        Assert.Null(sources[1].ParsedSchedule);
        Assert.StartsWith("source 'huge': Schedule '99999999999999999999s'", sources[1].ConfigError, StringComparison.Ordinal);
        Assert.False(sources[1].Runnable);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("maybe")]
    [InlineData("")]
    public void EnabledThatIsNotABooleanIsAConfigError(string enabled)
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "switch", ["Type"] = "rss", ["Enabled"] = enabled }));

        AssertNeighboursAreFine(sources);
        Assert.False(sources[1].Enabled);
        Assert.Equal($"source 'switch': Enabled '{enabled}' is not true or false", sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("False")]
    [InlineData("FALSE")]
    public void EnabledFalseIsNotRunnableButNotAnError(string enabled)
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "off", ["Type"] = "rss", ["Enabled"] = enabled }));

        AssertNeighboursAreFine(sources);
        Assert.False(sources[1].Enabled);
        Assert.Null(sources[1].ConfigError);
        Assert.False(sources[1].Runnable);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("True")]
    public void EnabledTrueIsRunnable(string enabled)
    {
        var source = Assert.Single(Read(new()
        {
            ["PaperFeed:Sources:0:Name"] = "on",
            ["PaperFeed:Sources:0:Type"] = "rss",
            ["PaperFeed:Sources:0:Enabled"] = enabled,
        }));

        Assert.True(source.Enabled);
        Assert.Null(source.ConfigError);
        Assert.True(source.Runnable);
    }

    [Fact]
    public void SeveralProblemsAreJoinedInOneConfigError()
    {
        var sources = Read(WithValidNeighbours(new() { ["Name"] = "mess", ["Url"] = "ftp://x", ["Enabled"] = "nope" }));

        AssertNeighboursAreFine(sources);
        Assert.Equal(
            "source 'mess': Type is missing; Url 'ftp://x' is not an absolute http(s) URL; Enabled 'nope' is not true or false",
            sources[1].ConfigError);
    }

    [Fact]
    public void ExtraKeysLandInOptionsCaseInsensitivelyAndKnownKeysDoNot()
    {
        var source = Assert.Single(Read(new()
        {
            // Known keys spelled in other cases must still be recognised as known.
            ["PaperFeed:Sources:0:name"] = "arxiv-ml",
            ["PaperFeed:Sources:0:TYPE"] = "arxiv",
            ["PaperFeed:Sources:0:url"] = "https://export.arxiv.org/api/query",
            ["PaperFeed:Sources:0:schedule"] = "2h",
            ["PaperFeed:Sources:0:ENABLED"] = "true",
            ["PaperFeed:Sources:0:SearchQuery"] = "cat:cs.LG",
            ["PaperFeed:Sources:0:MaxResults"] = "50",
            ["PaperFeed:Sources:0:Headers:Accept"] = "application/atom+xml",
        }));

        Assert.Null(source.ConfigError);
        Assert.Equal("arxiv-ml", source.Name);
        Assert.Equal(TimeSpan.FromHours(2), source.ParsedSchedule?.Interval);

        Assert.Equal(3, source.Options.Count);
        Assert.Equal("cat:cs.LG", source.Options["SearchQuery"]);
        Assert.Equal("cat:cs.LG", source.Options["searchquery"]);
        Assert.Equal("cat:cs.LG", source.Options["SEARCHQUERY"]);
        Assert.Equal("50", source.Options["maxresults"]);
        Assert.Equal("application/atom+xml", source.Options["headers:accept"]);
        foreach (var known in new[] { "Name", "Type", "Url", "Schedule", "Enabled", "name", "TYPE" })
        {
            Assert.False(source.Options.ContainsKey(known), known);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void MissingScheduleTakesTheDefault(string? schedule)
    {
        var values = new Dictionary<string, string?>
        {
            ["PaperFeed:Sources:0:Name"] = "a",
            ["PaperFeed:Sources:0:Type"] = "rss",
        };
        if (schedule is not null)
        {
            values["PaperFeed:Sources:0:Schedule"] = schedule;
        }

        var source = Assert.Single(Read(values, defaultSchedule: "45m"));

        Assert.Equal("45m", source.Schedule);
        Assert.Equal(new PollSchedule(TimeSpan.FromMinutes(45), null), source.ParsedSchedule);
        Assert.Null(source.ConfigError);
        Assert.True(source.Runnable);
    }

    [Fact]
    public void CronDefaultScheduleIsParsedToo()
    {
        var source = Assert.Single(Read(new() { ["PaperFeed:Sources:0:Name"] = "a", ["PaperFeed:Sources:0:Type"] = "rss" }, defaultSchedule: "30 1 * * *"));

        Assert.Equal("30 1 * * *", source.Schedule);
        Assert.Equal(new PollSchedule(null, "30 1 * * *", CronFormat.Unix), source.ParsedSchedule);
        Assert.Null(source.ConfigError);
    }

    [Fact]
    public void OwnScheduleWinsOverTheDefault()
    {
        var source = Assert.Single(Read(new()
        {
            ["PaperFeed:Sources:0:Name"] = "a",
            ["PaperFeed:Sources:0:Type"] = "rss",
            ["PaperFeed:Sources:0:Schedule"] = "0 0 6 * * ?",
        }, defaultSchedule: "45m"));

        Assert.Equal("0 0 6 * * ?", source.Schedule);
        Assert.Equal(new PollSchedule(null, "0 0 6 * * ?", CronFormat.Quartz), source.ParsedSchedule);
        Assert.Null(source.ConfigError);
    }

    [Fact]
    public void BadDefaultScheduleIsAConfigErrorOnSourcesThatUseIt()
    {
        var sources = Read(new()
        {
            ["PaperFeed:Sources:0:Name"] = "uses-default",
            ["PaperFeed:Sources:0:Type"] = "rss",
            ["PaperFeed:Sources:1:Name"] = "own",
            ["PaperFeed:Sources:1:Type"] = "rss",
            ["PaperFeed:Sources:1:Schedule"] = "1h",
        }, defaultSchedule: "0m");

        Assert.Equal(2, sources.Count);
        Assert.Equal("source 'uses-default': Schedule '0m' is shorter than 1 s", sources[0].ConfigError);
        Assert.Null(sources[1].ConfigError);
        Assert.True(sources[1].Runnable);
    }
}
