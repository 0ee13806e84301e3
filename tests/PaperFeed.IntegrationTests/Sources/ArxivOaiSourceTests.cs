using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Testing;
using PaperFeed.Worker.Cli;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;
using PaperFeed.Worker.Sources.ArxivOai;
using PaperFeed.Worker.Storage.Sqlite;

namespace PaperFeed.IntegrationTests.Sources;

/// <summary>
/// The arxiv-oai source and the backfill over real HTTP: a loopback OAI-PMH endpoint answering ListRecords page by
/// page, read through the worker's own <see cref="HttpSourceContext"/>.
/// </summary>
public sealed class ArxivOaiSourceTests : IAsyncLifetime
{
    private const string Window = "/oai2?verb=ListRecords&metadataPrefix=arXiv&set=cs&from=2024-01-25&until=2024-01-31";
    private const string Page2 = "/oai2?verb=ListRecords&resumptionToken=6960524%7C1001";

    private readonly ArxivOaiSource _source = new();
    private FeedServer _server = null!;
    private string _folder = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FeedServer.StartAsync();
        _folder = Directory.CreateTempSubdirectory("paperfeed-oai-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpSourceContext Context(Dictionary<string, string>? options = null, List<string>? log = null)
    {
        var definition = new SourceDefinition
        {
            Name = "arxiv-cs",
            Type = "arxiv-oai",
            Url = _server.Url("/oai2"),
            Schedule = "1d",
            Options = new Dictionary<string, string>(options ?? new() { ["Set"] = "cs", ["From"] = "2024-01-25", ["Until"] = "2024-01-31" }, StringComparer.OrdinalIgnoreCase),
        };
        var logger = log is null ? (Microsoft.Extensions.Logging.ILogger)NullLogger.Instance : new ListLogger(log);
        return new HttpSourceContext(definition, new Dictionary<string, HttpValidators>(), new HttpClient(), new SourceHttpOptions { Retries = 0 }, logger);
    }

    private void ServeTwoPages()
    {
        _server.Serve(Window, Page(["2401.00001", "2401.00002"], "6960524|1001", 3), "text/xml; charset=utf-8");
        _server.Serve(Page2, Page(["2401.00003"], "", 3), "text/xml; charset=utf-8");
    }

    [Fact]
    public async Task FirstPageWithATokenThenTheLastPageWithoutOne()
    {
        ServeTwoPages();

        var first = await _source.FetchAsync(Context(), null, Ct);
        var second = await _source.FetchAsync(Context(), first.Checkpoint, Ct);

        Assert.Equal([Window, Page2], _server.RequestLog);
        Assert.Equal(["oai:arXiv.org:2401.00001", "oai:arXiv.org:2401.00002"], first.Papers.Select(p => p.ExternalId));
        Assert.Equal("6960524|1001", OaiHarvestState.FromCheckpoint(first.Checkpoint)!.Token);
        Assert.Equal("oai:arXiv.org:2401.00003", Assert.Single(second.Papers).ExternalId);
        var done = OaiHarvestState.FromCheckpoint(second.Checkpoint)!;
        Assert.True(done.Done);
        Assert.Equal(3, done.Harvested);
        Assert.Equal(new DateOnly(2024, 2, 1), done.Next);
    }

    [Fact]
    public async Task RealOaiDcFirstPageIsFollowedByItsToken()
    {
        var real = File.ReadAllBytes(RealFixtures.File("arxiv-oai", "listrecords-oai_dc-set-cs-2024-01-25-with-resumptionToken-5-records.xml"));
        _server.Serve("/oai2?verb=ListRecords&metadataPrefix=oai_dc&set=cs&from=2024-01-25", real, "text/xml");
        var options = new Dictionary<string, string> { ["Set"] = "cs", ["From"] = "2024-01-25", ["MetadataPrefix"] = "oai_dc" };

        var first = await _source.FetchAsync(Context(options), null, Ct);

        Assert.Equal(5, first.Papers.Count);
        Assert.Equal("(Chat)GPT v BERT: Dawn of Justice for Semantic Change Detection", first.Papers[4].Title);
        var state = OaiHarvestState.FromCheckpoint(first.Checkpoint)!;
        Assert.Equal(new OaiHarvestState { Prefix = "oai_dc", Set = "cs", From = new(2024, 1, 25), Token = "6960524|1001", Harvested = 5, Size = 1162 }, state);
    }

    [Fact]
    public async Task ARestartMidHarvestAsksForTheSavedTokenNotTheWindow()
    {
        ServeTwoPages();
        var first = await _source.FetchAsync(Context(), null, Ct);

        // A new process: a new source instance and context, only the saved checkpoint carries over.
        var resumed = await new ArxivOaiSource().FetchAsync(Context(), first.Checkpoint, Ct);

        Assert.Equal([Window, Page2], _server.RequestLog);
        Assert.Equal(1, _server.Requests(Window));
        Assert.Equal("oai:arXiv.org:2401.00003", Assert.Single(resumed.Papers).ExternalId);
    }

    [Fact]
    public async Task BadResumptionTokenRestartsTheWindowFromItsStart()
    {
        ServeTwoPages();
        _server.Serve("/oai2?verb=ListRecords&resumptionToken=expired%7C9", Error("badResumptionToken", "The value of the resumptionToken argument is invalid or expired."), "text/xml");
        var stale = new OaiHarvestState { Prefix = "arXiv", Set = "cs", From = new(2024, 1, 25), Until = new(2024, 1, 31), Token = "expired|9", Harvested = 2000, Size = 2500 }.ToCheckpoint();
        var log = new List<string>();

        var result = await _source.FetchAsync(Context(log: log), stale, Ct);

        Assert.Equal(["/oai2?verb=ListRecords&resumptionToken=expired%7C9", Window], _server.RequestLog);
        Assert.Equal(["oai:arXiv.org:2401.00001", "oai:arXiv.org:2401.00002"], result.Papers.Select(p => p.ExternalId));
        var state = OaiHarvestState.FromCheckpoint(result.Checkpoint)!;
        Assert.Equal(2, state.Harvested);
        Assert.Equal("6960524|1001", state.Token);
        Assert.Contains(log, line => line.Contains("restarting the window 2024-01-25..2024-01-31 from its start", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoRecordsMatchIsAnEmptyCompleteWindow()
    {
        _server.Serve(Window, Error("noRecordsMatch", "No records match the given criteria"), "text/xml");

        var result = await _source.FetchAsync(Context(), null, Ct);

        Assert.Empty(result.Papers);
        var state = OaiHarvestState.FromCheckpoint(result.Checkpoint)!;
        Assert.True(state.Done);
        Assert.Equal(0, state.Harvested);
    }

    [Fact]
    public async Task AnUnknownOaiErrorIsASourceExceptionNamingTheCode()
    {
        _server.Serve(Window, Error("tooManyCooks", "Come back later"), "text/xml");

        var ex = await Assert.ThrowsAsync<SourceException>(() => _source.FetchAsync(Context(), null, Ct));

        Assert.Equal("arxiv-oai: the repository answered tooManyCooks: Come back later", ex.Message);
    }

    [Fact]
    public async Task HttpErrorsReachThePollerAsSourceExceptions()
    {
        _server.Fail(Window, 503);

        var ex = await Assert.ThrowsAnyAsync<SourceException>(() => _source.FetchAsync(Context(), null, Ct));

        Assert.Contains("answered HTTP 503", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEngineHarvestsBothPagesSavingEachCheckpoint()
    {
        ServeTwoPages();
        var context = Context();
        var query = OaiQuery.FromContext(context);
        var saved = new List<string>();
        var papers = new List<string>();

        var end = await OaiHarvester.RunAsync(
            context,
            query,
            OaiHarvestState.Start(query, new DateOnly(2024, 1, 25), new DateOnly(2024, 1, 31)),
            (page, _) =>
            {
                papers.AddRange(page.Papers.Select(p => p.ExternalId));
                saved.Add(page.Next.ToCheckpoint());
                return Task.CompletedTask;
            },
            CancellationToken.None,
            Ct);

        Assert.Equal(["oai:arXiv.org:2401.00001", "oai:arXiv.org:2401.00002", "oai:arXiv.org:2401.00003"], papers);
        Assert.Equal(2, saved.Count);
        Assert.Equal("6960524|1001", OaiHarvestState.FromCheckpoint(saved[0])!.Token);
        Assert.True(end.Done);
        Assert.Equal(end, OaiHarvestState.FromCheckpoint(saved[1]));
    }

    [Fact]
    public async Task TheEngineStopsBetweenPagesAndResumesFromTheSavedState()
    {
        ServeTwoPages();
        var context = Context();
        var query = OaiQuery.FromContext(context);
        using var stop = new CancellationTokenSource();

        var stopped = await OaiHarvester.RunAsync(
            context, query, OaiHarvestState.Start(query, new(2024, 1, 25), new(2024, 1, 31)),
            (_, _) =>
            {
                stop.Cancel(); // Ctrl+C while the first page is being handled
                return Task.CompletedTask;
            },
            stop.Token,
            Ct);
        var resumed = await OaiHarvester.RunAsync(context, query, stopped, (_, _) => Task.CompletedTask, CancellationToken.None, Ct);

        Assert.False(stopped.Done);
        Assert.Equal("6960524|1001", stopped.Token);
        Assert.True(resumed.Done);
        Assert.Equal([Window, Page2], _server.RequestLog);
    }

    [Fact]
    public async Task BackfillCommandStoresBothPagesAndKeepsItsOwnCheckpoint()
    {
        ServeTwoPages();
        var connection = $"Data Source={Path.Combine(_folder, "backfill.db")}";
        var stderr = new StringWriter();

        var code = await BackfillCommand.BackfillAsync("arxiv-cs", "2024-01-25", "2024-01-31", [], stderr, CancellationToken.None, Configure(connection));
        var again = new StringWriter();
        var rerun = await BackfillCommand.BackfillAsync("arxiv-cs", "2024-01-25", "2024-01-31", [], again, CancellationToken.None, Configure(connection));

        Assert.True(code == 0, stderr.ToString());
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("backfill arxiv-cs 2024-01-25..2024-01-31: page 1, 2 of 3 records (66.7%), ", StringComparison.Ordinal) && l.Contains("records/s, ETA ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("backfill arxiv-cs 2024-01-25..2024-01-31: page 2, 3 of 3 records (100.0%), ", StringComparison.Ordinal) && l.EndsWith("records/s, done", StringComparison.Ordinal));
        Assert.Contains("backfill arxiv-cs 2024-01-25..2024-01-31: complete, 3 records in 2 pages this run", lines);
        Assert.Equal(0, rerun);
        Assert.Contains("already complete (3 records); nothing to do", again.ToString(), StringComparison.Ordinal);
        Assert.Equal([Window, Page2], _server.RequestLog); // the rerun asked for nothing

        using var database = new SqliteDatabase(connection);
        var papers = new SqlitePaperStore(database, TimeProvider.System);
        foreach (var id in (string[])["2401.00001", "2401.00002", "2401.00003"])
        {
            var stored = await papers.FindAsync($"arxiv:{id}", Ct);
            Assert.NotNull(stored);
            Assert.Equal($"Paper {id}", stored.Title);
        }

        var states = new SqliteSourceStateStore(database);
        var backfill = OaiHarvestState.FromCheckpoint((await states.GetAsync("arxiv-cs:backfill", Ct)).Checkpoint)!;
        Assert.True(backfill.Done);
        Assert.Equal(3, backfill.Harvested);
        Assert.Null((await states.GetAsync("arxiv-cs", Ct)).Checkpoint); // the scheduled poll's state is untouched
    }

    [Fact]
    public async Task BackfillCommandResumesFromItsSavedToken()
    {
        ServeTwoPages();
        var connection = $"Data Source={Path.Combine(_folder, "resume.db")}";
        using (var database = new SqliteDatabase(connection))
        {
            await database.InitializeAsync(Ct);
            var saved = new OaiHarvestState { Prefix = "arXiv", Set = "cs", From = new(2024, 1, 25), Until = new(2024, 1, 31), Token = "6960524|1001", Harvested = 2, Size = 3 };
            await new SqliteSourceStateStore(database).RecordSuccessAsync("arxiv-cs:backfill", saved.ToCheckpoint(), new Dictionary<string, HttpValidators>(), 2, DateTimeOffset.UtcNow, Ct);
        }

        SqliteConnection.ClearAllPools();
        var stderr = new StringWriter();

        var code = await BackfillCommand.BackfillAsync("arxiv-cs", "2024-01-25", "2024-01-31", [], stderr, CancellationToken.None, Configure(connection));

        Assert.True(code == 0, stderr.ToString());
        Assert.Equal([Page2], _server.RequestLog);
        Assert.Contains("resuming after 2 of 3 records", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("page 1, 3 of 3 records (100.0%)", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackfillCommandStoppedDuringAPageSavesItAndTheRerunResumes()
    {
        ServeTwoPages();
        var connection = $"Data Source={Path.Combine(_folder, "stop.db")}";
        using var stop = new CancellationTokenSource();
        var stderr = new CancelOnLine("page 1,", stop); // Ctrl+C arrives while page 1 is being handled

        var stopped = await BackfillCommand.BackfillAsync("arxiv-cs", "2024-01-25", "2024-01-31", [], stderr, stop.Token, Configure(connection));
        var resumed = new StringWriter();
        var completed = await BackfillCommand.BackfillAsync("arxiv-cs", "2024-01-25", "2024-01-31", [], resumed, CancellationToken.None, Configure(connection));

        Assert.Equal(130, stopped);
        Assert.Contains("stopped after 2 records; run the same command to resume", stderr.ToString(), StringComparison.Ordinal);
        Assert.True(completed == 0, resumed.ToString());
        Assert.Contains("resuming after 2 of 3 records", resumed.ToString(), StringComparison.Ordinal);
        Assert.Equal([Window, Page2], _server.RequestLog);
    }

    [Theory]
    [InlineData("nonesuch", "2024-01-25", 2, "no source named 'nonesuch' (configured: arxiv-cs, feed-one)")]
    [InlineData("feed-one", "2024-01-25", 2, "backfill harvests arxiv-oai sources; 'feed-one' is a 'feed' source")]
    [InlineData("arxiv-cs", "25.01.2024", 2, "--from and --until take a YYYY-MM-DD date (got '25.01.2024')")]
    public async Task BackfillCommandRefusesWhatItCannotHarvest(string source, string from, int expected, string message)
    {
        var stderr = new StringWriter();

        var code = await BackfillCommand.BackfillAsync(source, from, null, [], stderr, CancellationToken.None, Configure($"Data Source={Path.Combine(_folder, "refuse.db")}"));

        Assert.Equal(expected, code);
        Assert.Contains(message, stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(_server.RequestLog);
    }

    private Action<Microsoft.Extensions.Hosting.HostApplicationBuilder> Configure(string connection) => builder =>
    {
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Sqlite"] = connection,
            ["Logging:LogLevel:Default"] = "Warning",
            ["PaperFeed:Http:Retries"] = "0",
            ["PaperFeed:Ingest:BatchTimeLimit"] = "00:00:00.050",
            ["PaperFeed:Sources:0:Name"] = "arxiv-cs",
            ["PaperFeed:Sources:0:Type"] = "arxiv-oai",
            ["PaperFeed:Sources:0:Url"] = _server.Url("/oai2").AbsoluteUri,
            ["PaperFeed:Sources:0:Set"] = "cs",
            ["PaperFeed:Sources:1:Name"] = "feed-one",
            ["PaperFeed:Sources:1:Type"] = "feed",
            ["PaperFeed:Sources:1:Url"] = _server.Url("/feed.xml").AbsoluteUri,
        });
    };

    private static byte[] Page(string[] ids, string? token, long size)
    {
        var sb = new StringBuilder("""
            <?xml version="1.0" encoding="UTF-8"?>
            <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
            <responseDate>2024-02-03T10:00:00Z</responseDate>
            <request verb="ListRecords">http://export.arxiv.org/oai2</request>
            <ListRecords>
            """);
        foreach (var id in ids)
        {
            sb.Append($"""
                <record><header><identifier>oai:arXiv.org:{id}</identifier><datestamp>2024-01-26</datestamp><setSpec>cs</setSpec></header>
                <metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{id}</id><created>2024-01-25</created><authors><author><keyname>Lovelace</keyname><forenames>Ada</forenames></author></authors><title>Paper {id}</title><categories>cs.LG</categories><abstract>About {id}.</abstract></arXiv></metadata></record>
                """);
        }

        sb.Append($"""<resumptionToken cursor="0" completeListSize="{size}">{token}</resumptionToken></ListRecords></OAI-PMH>""");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static byte[] Error(string code, string message) => Encoding.UTF8.GetBytes($"""
        <?xml version="1.0" encoding="UTF-8"?>
        <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
        <responseDate>2024-02-03T10:00:00Z</responseDate>
        <request verb="ListRecords">http://export.arxiv.org/oai2</request>
        <error code="{code}">{message}</error>
        </OAI-PMH>
        """);

    /// <summary>A stderr that signals <paramref name="stop"/> once a line containing <paramref name="trigger"/> is written.</summary>
    private sealed class CancelOnLine(string trigger, CancellationTokenSource stop) : StringWriter
    {
        public override Task WriteLineAsync(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(trigger, StringComparison.Ordinal) == true)
            {
                stop.Cancel();
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Keeps what the source logs through its context.</summary>
    private sealed class ListLogger(List<string> lines) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception));
            }
        }
    }
}
