using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Worker.Sources.ArxivOai;

namespace PaperFeed.Tests.Sources.ArxivOai;

/// <summary>How the arxiv-oai source asks: requests, paging by resumptionToken, and the checkpoint between polls.</summary>
public sealed class ArxivOaiSourceTests
{
    private const string Base = "https://export.arxiv.org/oai2";
    private static readonly DateTimeOffset Now = new(2024, 2, 10, 8, 30, 0, TimeSpan.Zero);

    private readonly ArxivOaiSource _source = new();

    [Fact]
    public async Task FirstPollAsksForTheWindowAndSavesTheToken()
    {
        var context = new FakeContext(new() { ["Set"] = "cs", ["From"] = "2024-01-25" });
        context.Answer($"{Base}?verb=ListRecords&metadataPrefix=arXiv&set=cs&from=2024-01-25", Page(["2401.00001", "2401.00002"], token: "t|1", size: 3));

        var result = await _source.FetchAsync(context, null, TestContext.Current.CancellationToken);

        Assert.Equal(["oai:arXiv.org:2401.00001", "oai:arXiv.org:2401.00002"], result.Papers.Select(p => p.ExternalId));
        var state = OaiHarvestState.FromCheckpoint(result.Checkpoint)!;
        Assert.Equal(new OaiHarvestState { Prefix = "arXiv", Set = "cs", From = new DateOnly(2024, 1, 25), Token = "t|1", Harvested = 2, Size = 3 }, state);
        Assert.Equal("""{"prefix":"arXiv","set":"cs","from":"2024-01-25","token":"t|1","harvested":2,"size":3,"done":false}""", result.Checkpoint);
    }

    [Fact]
    public async Task FollowUpCarriesOnlyTheEscapedTokenAndTheLastPageCompletesTheWindow()
    {
        var context = new FakeContext(new() { ["Set"] = "physics:hep-th", ["From"] = "2024-01-25", ["Until"] = "2024-01-31" });
        var checkpoint = new OaiHarvestState { Prefix = "arXiv", Set = "physics:hep-th", From = new(2024, 1, 25), Until = new(2024, 1, 31), Token = "6960524|1001", Harvested = 2, Size = 3 }.ToCheckpoint();
        context.Answer($"{Base}?verb=ListRecords&resumptionToken=6960524%7C1001", Page(["2401.00003"], token: null, size: 3));

        var result = await _source.FetchAsync(context, checkpoint, TestContext.Current.CancellationToken);

        Assert.Equal([$"{Base}?verb=ListRecords&resumptionToken=6960524%7C1001"], context.Requests);
        Assert.Equal("oai:arXiv.org:2401.00003", Assert.Single(result.Papers).ExternalId);
        var state = OaiHarvestState.FromCheckpoint(result.Checkpoint)!;
        Assert.True(state.Done);
        Assert.Null(state.Token);
        Assert.Equal(3, state.Harvested);
        Assert.Equal(new DateOnly(2024, 2, 1), state.Next); // the day after the (inclusive, past) until
    }

    [Fact]
    public async Task AfterACompleteOpenWindowTheNextPollHarvestsFromTheResponseDate()
    {
        var context = new FakeContext(new() { ["Set"] = "cs", ["From"] = "2024-01-25" });
        var done = new OaiHarvestState { Prefix = "arXiv", Set = "cs", From = new(2024, 1, 25), Harvested = 3, Done = true, Next = new(2024, 2, 3) }.ToCheckpoint();
        context.Answer($"{Base}?verb=ListRecords&metadataPrefix=arXiv&set=cs&from=2024-02-03", Page(["2402.00001"], token: null, size: null, responseDate: "2024-02-10T08:00:00Z"));

        var result = await _source.FetchAsync(context, done, TestContext.Current.CancellationToken);

        Assert.Equal("oai:arXiv.org:2402.00001", Assert.Single(result.Papers).ExternalId);
        var state = OaiHarvestState.FromCheckpoint(result.Checkpoint)!;
        Assert.Equal(new DateOnly(2024, 2, 3), state.From);
        Assert.True(state.Done);
        Assert.Equal(new DateOnly(2024, 2, 10), state.Next);
    }

    [Fact]
    public async Task AFixedWindowOnceHarvestedAsksForNothingMore()
    {
        var context = new FakeContext(new() { ["From"] = "2024-01-25", ["Until"] = "2024-01-31" });
        var done = new OaiHarvestState { Prefix = "arXiv", From = new(2024, 1, 25), Until = new(2024, 1, 31), Harvested = 3, Done = true, Next = new(2024, 2, 1) }.ToCheckpoint();

        var result = await _source.FetchAsync(context, done, TestContext.Current.CancellationToken);

        Assert.Empty(context.Requests);
        Assert.Empty(result.Papers);
        Assert.Equal(done, result.Checkpoint);
    }

    [Fact]
    public async Task WithoutFromTheFirstPollStartsYesterdayInOaiDcWhenAsked()
    {
        var context = new FakeContext(new() { ["MetadataPrefix"] = "OAI_DC" });
        context.Answer($"{Base}?verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-09", Error("noRecordsMatch", "No records match"));

        var result = await _source.FetchAsync(context, null, TestContext.Current.CancellationToken);

        Assert.Empty(result.Papers);
        var state = OaiHarvestState.FromCheckpoint(result.Checkpoint)!;
        Assert.Equal("oai_dc", state.Prefix);
        Assert.True(state.Done);
        Assert.Equal(new DateOnly(2024, 2, 3), state.Next); // the response's date
    }

    [Fact]
    public async Task PagesPerPollReadsSeveralPagesInOnePoll()
    {
        var context = new FakeContext(new() { ["From"] = "2024-01-25", ["PagesPerPoll"] = "2" });
        context.Answer($"{Base}?verb=ListRecords&metadataPrefix=arXiv&from=2024-01-25", Page(["2401.00001"], token: "a", size: 3));
        context.Answer($"{Base}?verb=ListRecords&resumptionToken=a", Page(["2401.00002"], token: "b", size: 3));

        var result = await _source.FetchAsync(context, null, TestContext.Current.CancellationToken);

        Assert.Equal(2, context.Requests.Count);
        Assert.Equal(["oai:arXiv.org:2401.00001", "oai:arXiv.org:2401.00002"], result.Papers.Select(p => p.ExternalId));
        Assert.Equal("b", OaiHarvestState.FromCheckpoint(result.Checkpoint)!.Token);
    }

    [Fact]
    public async Task ACheckpointForAnotherSetStartsAFreshWindowAndSaysSo()
    {
        var context = new FakeContext(new() { ["Set"] = "math", ["From"] = "2024-01-25" });
        var other = new OaiHarvestState { Prefix = "arXiv", Set = "cs", From = new(2024, 1, 1), Token = "cs-token" }.ToCheckpoint();
        context.Answer($"{Base}?verb=ListRecords&metadataPrefix=arXiv&set=math&from=2024-01-25", Page(["2401.00001"], token: null, size: null));

        await _source.FetchAsync(context, other, TestContext.Current.CancellationToken);

        Assert.Equal([$"{Base}?verb=ListRecords&metadataPrefix=arXiv&set=math&from=2024-01-25"], context.Requests);
        Assert.Contains("checkpoint was for metadataPrefix=arXiv set=cs", Assert.Single(context.Logged), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadResumptionTokenRestartsTheWindowInTheSamePoll()
    {
        var context = new FakeContext(new() { ["From"] = "2024-01-25" });
        var checkpoint = new OaiHarvestState { Prefix = "arXiv", From = new(2024, 1, 25), Token = "stale", Harvested = 1000, Size = 1500 }.ToCheckpoint();
        context.Answer($"{Base}?verb=ListRecords&resumptionToken=stale", Error("badResumptionToken", "expired"));
        context.Answer($"{Base}?verb=ListRecords&metadataPrefix=arXiv&from=2024-01-25", Page(["2401.00001"], token: "fresh", size: 1500));

        var result = await _source.FetchAsync(context, checkpoint, TestContext.Current.CancellationToken);

        Assert.Equal([$"{Base}?verb=ListRecords&resumptionToken=stale", $"{Base}?verb=ListRecords&metadataPrefix=arXiv&from=2024-01-25"], context.Requests);
        Assert.Equal("oai:arXiv.org:2401.00001", Assert.Single(result.Papers).ExternalId);
        var state = OaiHarvestState.FromCheckpoint(result.Checkpoint)!;
        Assert.Equal("fresh", state.Token);
        Assert.Equal(1, state.Harvested);
        Assert.Contains("badResumptionToken: expired", Assert.Single(context.Logged), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("badArgument", "Illegal set")]
    [InlineData("cannotDisseminateFormat", "no such format")]
    [InlineData("noSetHierarchy", "sets are not supported")]
    [InlineData("somethingNew", "who knows")]
    public async Task OtherOaiErrorsFailThePollWithTheirCode(string code, string message)
    {
        var context = new FakeContext(new() { ["From"] = "2024-01-25" });
        context.Answer($"{Base}?verb=ListRecords&metadataPrefix=arXiv&from=2024-01-25", Error(code, message));

        var ex = await Assert.ThrowsAsync<SourceException>(() => _source.FetchAsync(context, null, TestContext.Current.CancellationToken));

        Assert.Equal($"arxiv-oai: the repository answered {code}: {message}", ex.Message);
    }

    [Theory]
    [InlineData("From", "25/01/2024", "arxiv-oai: From '25/01/2024' is not a YYYY-MM-DD date")]
    [InlineData("MetadataPrefix", "arXivRaw", "arxiv-oai: MetadataPrefix 'arXivRaw' is not supported (use arXiv or oai_dc)")]
    [InlineData("PagesPerPoll", "0", "arxiv-oai: PagesPerPoll '0' is not a number from 1 to 1000")]
    public async Task BadOptionsFailThePollWithTheReason(string option, string value, string message)
    {
        var context = new FakeContext(new() { [option] = value });

        var ex = await Assert.ThrowsAsync<SourceException>(() => _source.FetchAsync(context, null, TestContext.Current.CancellationToken));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void UrlOptionReplacesTheEndpointAndKeepsItsQuery()
    {
        var query = new OaiQuery(new Uri("http://127.0.0.1:5000/oai2?key=1"), "arXiv", null);

        var uri = query.ListRecords(new OaiHarvestState { Prefix = "arXiv", From = new(2024, 1, 1), Until = new(2024, 1, 2) });

        Assert.Equal("http://127.0.0.1:5000/oai2?key=1&verb=ListRecords&metadataPrefix=arXiv&from=2024-01-01&until=2024-01-02", uri.AbsoluteUri);
    }

    [Fact]
    public void UnreadableCheckpointIsNoState()
    {
        Assert.Null(OaiHarvestState.FromCheckpoint("not json"));
        Assert.Null(OaiHarvestState.FromCheckpoint("{}"));
        Assert.Null(OaiHarvestState.FromCheckpoint(null));
    }

    internal static byte[] Page(string[] ids, string? token, long? size, string responseDate = "2024-02-03T10:00:00Z")
    {
        var sb = new StringBuilder($"""<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>{responseDate}</responseDate><ListRecords>""");
        foreach (var id in ids)
        {
            sb.Append($"""<record><header><identifier>oai:arXiv.org:{id}</identifier></header><metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{id}</id><created>2024-01-25</created><title>Paper {id}</title></arXiv></metadata></record>""");
        }

        if (token is not null || size is not null)
        {
            sb.Append($"""<resumptionToken{(size is null ? "" : $" completeListSize=\"{size}\"")}>{token}</resumptionToken>""");
        }

        return Encoding.UTF8.GetBytes(sb.Append("</ListRecords></OAI-PMH>").ToString());
    }

    internal static byte[] Error(string code, string message) =>
        Encoding.UTF8.GetBytes($"""<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-02-03T10:00:00Z</responseDate><request>x</request><error code="{code}">{message}</error></OAI-PMH>""");

    private sealed class FakeContext(Dictionary<string, string> options) : SourceContext
    {
        private readonly Dictionary<string, byte[]> _answers = new(StringComparer.Ordinal);

        public List<string> Requests { get; } = [];
        public List<string> Logged { get; } = [];

        public void Answer(string url, byte[] body) => _answers[url] = body;

        public override string SourceName => "oai";
        public override Uri? Url => null;
        public override IReadOnlyDictionary<string, string> Options { get; } = new Dictionary<string, string>(options, StringComparer.OrdinalIgnoreCase);
        public override DateTimeOffset Now => ArxivOaiSourceTests.Now;

        public override Task<SourceResponse> GetAsync(Uri uri, CancellationToken cancellationToken)
        {
            Requests.Add(uri.AbsoluteUri);
            return _answers.TryGetValue(uri.AbsoluteUri, out var body)
                ? Task.FromResult(new SourceResponse(false, body, "text/xml", 200))
                : throw new SourceException($"GET {uri} answered HTTP 404 Not Found");
        }

        public override void Log(string message) => Logged.Add(message);
    }
}
