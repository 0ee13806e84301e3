using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Api;

namespace PaperFeed.IntegrationTests.Api;

/// <summary>
/// POST /api/subscriptions (and PATCH) under hostile input over a real worker: oversized and malformed bodies,
/// unknown fields, injection strings, impossible schedules and webhook URLs aimed at private networks in every
/// spelling. Each is answered with the status and the reason a caller can act on, and nothing is stored.
/// </summary>
public sealed class HostileApiTests : WorkerTestBase
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Email = """{"type": "email", "address": "a@example.org"}""";

    /// <summary>A body with an e-mail channel, <paramref name="filter"/> and then <paramref name="rest"/> (<c>, "mode": …</c>).</summary>
    private const string Head = """{"channel": """ + Email + """, "filter": """;

    protected override Task<Dictionary<string, string?>> TransportAsync() =>
        Task.FromResult(new Dictionary<string, string?>
        {
            ["PaperFeed:Transport"] = "InMemory",
            ["PaperFeed:Smtp:Host"] = "127.0.0.1",
            ["PaperFeed:Smtp:Port"] = "9",
        });

    private static Task<HttpResponseMessage> PostAsync(WorkerHost worker, string json) =>
        worker.Api.PostAsync("/api/subscriptions", new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    private static Task<HttpResponseMessage> PostAsync(WorkerHost worker, HttpContent content) =>
        worker.Api.PostAsync("/api/subscriptions", content, Ct);

    /// <summary>The problem's detail, after checking the status.</summary>
    private static async Task<string> DetailAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
    }

    private static async Task<List<SubscriptionResponse>> ListAsync(WorkerHost worker) =>
        (await worker.GetAsync<List<SubscriptionResponse>>("/api/subscriptions"))!;

    /// <summary>What a request could change; the confirmation e-mail's failing attempts (no mail server here) may set FailingSince meanwhile.</summary>
    private static string Snapshot(IEnumerable<SubscriptionResponse> subscriptions) =>
        JsonSerializer.Serialize(subscriptions.Select(s => s with { FailingSince = null }), WorkerHost.Json);

    private static async Task AssertNothingStoredAsync(WorkerHost worker) => Assert.Empty(await ListAsync(worker));

    [Fact]
    public async Task ATwoMegabyteBodyIsRefusedAs413WithTheLimit()
    {
        await using var worker = await StartWorkerAsync();
        var json = "{\"name\": \"" + new string('x', 2 * 1024 * 1024) + "\", " + Head[1..] + """{"keywords": ["x"]}}""";

        var detail = await DetailAsync(await PostAsync(worker, json), HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal("the request body is larger than 262,144 bytes, the most a subscription needs", detail);
        await AssertNothingStoredAsync(worker);
    }

    [Fact]
    public async Task ATwoMegabyteBodyWithoutContentLengthIsRefusedToo()
    {
        await using var worker = await StartWorkerAsync();
        var json = Encoding.UTF8.GetBytes(Head + """{"keywords": [""" + "\"" + new string('x', 2 * 1024 * 1024) + "\"" + "]}}");
        using var content = new StreamContent(new UnknownLengthStream(json));
        content.Headers.ContentType = new("application/json");

        var detail = await DetailAsync(await PostAsync(worker, content), HttpStatusCode.RequestEntityTooLarge);

        Assert.StartsWith("the request body is larger than 262,144 bytes", detail, StringComparison.Ordinal);
        await AssertNothingStoredAsync(worker);
    }

    [Fact]
    public async Task TheLargestValidFilterFitsUnderTheLimit()
    {
        await using var worker = await StartWorkerAsync();
        var entries = string.Join(", ", Enumerable.Range(0, 100).Select(i => $"\"{i} {new string('w', 190)}\""));
        var json = Head + "{\"keywords\": [" + entries + "], \"exclude\": [" + entries + "], \"authors\": [" + entries + "], \"sources\": [" + entries + "]}}";
        Assert.InRange(Encoding.UTF8.GetByteCount(json), 70_000, JsonRequestBody.MaxBytes);

        var response = await PostAsync(worker, json);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(100, Assert.Single(await ListAsync(worker)).Filter.Keywords.Count);
    }

    [Theory]
    [InlineData("""{"channel": {"type": "email", "address": "a@example.org",""", "malformed JSON at line 1, byte ")]
    [InlineData("""{"channel": {"type": "email"}} trailing""", "malformed JSON at line 1, byte 32:")]
    [InlineData("""{"channel": {"type": 'email'}}""", "malformed JSON at line 1, byte 22:")]
    [InlineData("{\n  \"channel\": {\"type\": \"email\", \"address\": \"a@example.org\"},\n  \"filter\": {\"keywords\": [\"x\",]}\n  \"mode\": \"daily\"\n}", "malformed JSON at line 3, byte 31:")]
    [InlineData("[]", "the body must be a JSON object (at line 1, byte 2)")]
    [InlineData("\"a subscription\"", "the body must be a JSON object (at line 1, byte 17)")]
    [InlineData("null", "the body must be a JSON object, not null")]
    [InlineData("", "malformed JSON at line 1, byte 1:")]
    public async Task MalformedJsonIsA400SayingWhere(string json, string expected)
    {
        await using var worker = await StartWorkerAsync();

        var detail = await DetailAsync(await PostAsync(worker, json), HttpStatusCode.BadRequest);

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
        await AssertNothingStoredAsync(worker);
    }

    [Fact]
    public async Task DeeplyNestedJsonIsA400NotAStackOverflow()
    {
        await using var worker = await StartWorkerAsync();
        var json = """{"filter": {"keywords": """ + new string('[', 100_000) + new string(']', 100_000) + "}}";

        var detail = await DetailAsync(await PostAsync(worker, json), HttpStatusCode.BadRequest);

        Assert.Equal("field 'filter.keywords[0]' at line 1, byte 27 has a value of the wrong type, or a number out of range", detail);
        await AssertNothingStoredAsync(worker);
    }

    [Fact]
    public async Task InvalidUtf8IsA400()
    {
        await using var worker = await StartWorkerAsync();
        byte[] json = [.. Encoding.UTF8.GetBytes("{\"name\": \"caf"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\", " + Head[1..] + """{"keywords": ["x"]}}""")];
        using var content = new ByteArrayContent(json);
        content.Headers.ContentType = new("application/json");

        var detail = await DetailAsync(await PostAsync(worker, content), HttpStatusCode.BadRequest);

        Assert.Equal("the body is not valid UTF-8 (at byte 14)", detail);
        await AssertNothingStoredAsync(worker);
    }

    [Fact]
    public async Task ABodyThatIsNotJsonIs415()
    {
        await using var worker = await StartWorkerAsync();

        var response = await PostAsync(worker, new StringContent("name=x&channel=y", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertNothingStoredAsync(worker);
    }

    [Theory]
    [InlineData(Head + """{"keywords": ["x"]}, "admin": true}""", "unknown field 'admin' at line 1, byte ")]
    [InlineData(Head + """{"keywords": ["x"], "regex": ".*"}}""", "unknown field 'filter.regex' at line 1, byte ")]
    [InlineData("""{"channel": {"type": "webhook", "url": "https://hooks.example.org/", "secret": "whsec_mine"}, "filter": {"keywords": ["x"]}}""", "unknown field 'channel.secret' at line 1, byte ")]
    [InlineData(Head + """{"keywords": ["x"]}, "status": "active"}""", "unknown field 'status' at line 1, byte ")]
    [InlineData(Head + """{"minUpvotes": 1e400}}""", "field 'filter.minUpvotes' at line 1, byte ")]
    [InlineData(Head + """{"minUpvotes": 99999999999999999999}}""", "field 'filter.minUpvotes' at line 1, byte ")]
    [InlineData(Head + """{"minUpvotes": 2.5}}""", "field 'filter.minUpvotes' at line 1, byte ")]
    [InlineData(Head + """{"keywords": "x"}}""", "field 'filter.keywords' at line 1, byte ")]
    [InlineData(Head + """{"hasCode": "yes"}}""", "field 'filter.hasCode' at line 1, byte ")]
    public async Task UnknownFieldsAndWrongTypesAreNamed(string json, string expected)
    {
        await using var worker = await StartWorkerAsync();

        var detail = await DetailAsync(await PostAsync(worker, json), HttpStatusCode.BadRequest);

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
        await AssertNothingStoredAsync(worker);
    }

    [Fact]
    public async Task PatchReadsItsBodyTheSameWay()
    {
        await using var worker = await StartWorkerAsync();
        var created = await PostAsync(worker, Head + """{"keywords": ["x"]}}""");
        var id = (await created.Content.ReadFromJsonAsync<SubscriptionResponse>(WorkerHost.Json, Ct))!.Id;
        var before = await ListAsync(worker);

        var unknown = await worker.Api.PatchAsync($"/api/subscriptions/{id}", new StringContent("""{"channel": {"type": "webhook"}}""", Encoding.UTF8, "application/json"), Ct);
        var huge = await worker.Api.PatchAsync($"/api/subscriptions/{id}", new StringContent("{\"name\": \"" + new string('n', 300_000) + "\"}", Encoding.UTF8, "application/json"), Ct);

        Assert.StartsWith("unknown field 'channel' at line 1, byte ", await DetailAsync(unknown, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.StartsWith("the request body is larger than", await DetailAsync(huge, HttpStatusCode.RequestEntityTooLarge), StringComparison.Ordinal);
        Assert.Equal(Snapshot(before), Snapshot(await ListAsync(worker)));
    }

    public static TheoryData<string, string> Injections => new()
    {
        { "keywords", "'; DROP TABLE subscriptions; --" },
        { "keywords", "\" OR \"1\"=\"1" },
        { "keywords", "(a+)+$ [[:alpha:]]*" },
        { "keywords", "{{ 'x' | append: secret }}" },
        { "keywords", "{% include '/etc/passwd' %}" },
        { "exclude", "\"}]}, \"admin\": true, \"x\": [{\"" },
        { "authors", "Robert'); DELETE FROM papers; --" },
        { "sources", "$where: function() { return true }" },
        { "sources", "../../etc/passwd" },
    };

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task InjectionStringsInFiltersAreStoredAsPlainText(string facet, string value)
    {
        await using var worker = await StartWorkerAsync();
        var filter = new Dictionary<string, object> { [facet] = new[] { value } };
        if (facet == "exclude")
        {
            filter["keywords"] = new[] { "x" };
        }

        var response = await worker.Api.PostAsJsonAsync(
            "/api/subscriptions", new { name = value, channel = new { type = "email", address = "a@example.org" }, filter }, Ct);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var stored = Assert.Single(await ListAsync(worker));
        Assert.Equal(value, stored.Name);
        var list = facet switch
        {
            "keywords" => stored.Filter.Keywords,
            "exclude" => stored.Filter.Exclude,
            "authors" => stored.Filter.Authors,
            _ => stored.Filter.Sources,
        };
        Assert.Equal([value], list);

        // The store and the papers API are untouched by what was stored.
        Assert.Equal(HttpStatusCode.OK, (await worker.Api.GetAsync("/api/papers", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("""{"keywords": [".*"]}""", "filter.keywords[0] '.*' contains no word")]
    [InlineData("""{"keywords": ["{{ }}"]}""", "filter.keywords[0] '{{ }}' contains no word")]
    [InlineData("""{"categories": ["cs.CL' OR '1'='1"]}""", "filter.categories[0] 'cs.CL' OR '1'='1' is not a category")]
    [InlineData("""{"categories": ["cs.(CL|LG)"]}""", "filter.categories[0] 'cs.(CL|LG)' is not a category")]
    [InlineData("""{"authors": ["<!-- -->"]}""", "filter.authors[0] '<!-- -->' contains no name")]
    [InlineData("""{"minUpvotes": -1}""", "filter.minUpvotes must be 0 or more (was -1)")]
    public async Task FilterEntriesThatAreOnlyPunctuationOrNotCategoriesAreRefused(string filter, string expected)
    {
        await using var worker = await StartWorkerAsync();

        var detail = await DetailAsync(await PostAsync(worker, Head + filter + "}"), HttpStatusCode.BadRequest);

        Assert.Contains(expected, detail, StringComparison.Ordinal);
        await AssertNothingStoredAsync(worker);
    }

    [Theory]
    [InlineData("\"timeZone\": \"UTC+99\"", "timeZone 'UTC+99' is not an IANA time zone")]
    [InlineData("\"timeZone\": \"Etc/GMT+99\"", "timeZone 'Etc/GMT+99' is not an IANA time zone")]
    [InlineData("\"timeZone\": \"/usr/share/zoneinfo/UTC\"", "timeZone '/usr/share/zoneinfo/UTC' is not an IANA time zone")]
    [InlineData("\"timeZone\": \"/etc/passwd\"", "timeZone '/etc/passwd' is not an IANA time zone")]
    [InlineData("\"timeZone\": \"Europe/Berlin\\u0000\"", "is not an IANA time zone")]
    [InlineData("\"timeZone\": \"\"", "timeZone '' is not an IANA time zone")]
    [InlineData("\"sendAt\": \"0 30 7 * * ?\"", "sendAt '0 30 7 * * ?' is not a time of day as HH:mm")]
    [InlineData("\"sendAt\": \"30 7 * * *\"", "sendAt '30 7 * * *' is not a time of day as HH:mm")]
    [InlineData("\"sendAt\": \"24:00\"", "sendAt '24:00' is not a time of day as HH:mm")]
    [InlineData("\"sendAt\": \"07:60\"", "sendAt '07:60' is not a time of day as HH:mm")]
    [InlineData("\"sendAt\": \"-1:00\"", "sendAt '-1:00' is not a time of day as HH:mm")]
    [InlineData("\"sendAt\": \"7:30pm\"", "sendAt '7:30pm' is not a time of day as HH:mm")]
    [InlineData("\"sendAt\": \"07:30:99\"", "sendAt '07:30:99' is not a time of day as HH:mm")]
    [InlineData("\"sendAt\": \"\"", "sendAt '' is not a time of day as HH:mm")]
    [InlineData("\"mode\": \"weekly\", \"day\": \"8\"", "day '8' is not a day of the week")]
    [InlineData("\"mode\": \"0\"", "mode '0' is not one of instant, daily, weekly")]
    public async Task ImpossibleSchedulesAreRefused(string fields, string expected)
    {
        await using var worker = await StartWorkerAsync();

        var detail = await DetailAsync(
            await PostAsync(worker, Head + """{"keywords": ["x"]}, "mode": "daily", """ + fields + "}"), HttpStatusCode.BadRequest);

        Assert.Contains(expected, detail, StringComparison.Ordinal);
        await AssertNothingStoredAsync(worker);
    }

    [Theory]
    [InlineData("http://2130706433/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://0x7f000001/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://0177.0.0.1/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://127.1/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://0x7f.0x0.0x0.0x1/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://127.000.000.001:8080/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://2130706433./", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://0x7f000001./", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://127.1./", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://①②⑦.①/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://127。0。0。1/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("http://[::1]/", "webhook address ::1 is a loopback address")]
    [InlineData("http://[0000::0001]:80/", "webhook address ::1 is a loopback address")]
    [InlineData("http://[::ffff:127.0.0.1]/", "webhook address ::ffff:127.0.0.1 is a loopback address (IPv4-mapped 127.0.0.1)")]
    [InlineData("http://[0:0:0:0:0:ffff:7f00:1]/", "webhook address ::ffff:127.0.0.1 is a loopback address (IPv4-mapped 127.0.0.1)")]
    [InlineData("http://[fe80::1%25eth0]/", "webhook address fe80::1 is a link-local address")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "webhook address 169.254.169.254 is the cloud metadata address; add it to PaperFeed:Webhooks:AllowedNetworks to allow it")]
    [InlineData("http://[::ffff:a9fe:a9fe]/", "webhook address ::ffff:169.254.169.254 is the cloud metadata address")]
    [InlineData("http://10.0.0.5/", "webhook address 10.0.0.5 is a private address; set PaperFeed:Webhooks:AllowPrivateNetworks")]
    [InlineData("http://0/", "webhook address 0.0.0.0 is an unspecified address")]
    [InlineData("http://localhost/", "webhook host 'localhost' resolves only to refused addresses: 127.0.0.1 (a loopback address), ::1 (a loopback address)")]
    [InlineData("http://LOCALHOST.:8080/", "webhook host 'localhost.' resolves only to refused addresses")]
    [InlineData("http://hooks.localhost/", "webhook host 'hooks.localhost' resolves only to refused addresses")]
    [InlineData("http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "webhook host 'localhost' resolves only to refused addresses")]
    [InlineData("http://example.com@127.0.0.1/", "must not contain user-info credentials")]
    [InlineData("http://127.0.0.1:80@example.com/", "must not contain user-info credentials")]
    [InlineData("file:///etc/passwd", "the scheme 'file:' is not allowed")]
    [InlineData("gopher://127.0.0.1:6379/_INFO", "the scheme 'gopher:' is not allowed")]
    [InlineData("ftp://example.com/hook", "the scheme 'ftp:' is not allowed")]
    [InlineData("javascript:alert(1)", "the scheme 'javascript:' is not allowed")]
    [InlineData("http:/127.0.0.1/", "is a relative URL")]
    [InlineData("http://%31%32%37.0.0.1/", "is not a valid absolute URL")]
    [InlineData("http://127.0.0.1\t/", "is not a valid absolute URL")]
    public async Task WebhookUrlsAimedAtPrivateNetworksAreRefusedAtCreation(string url, string expected)
    {
        await using var worker = await StartWorkerAsync();
        var json = JsonSerializer.Serialize(new { channel = new { type = "webhook", url }, filter = new { keywords = new[] { "x" } } });

        var detail = await DetailAsync(await PostAsync(worker, json), HttpStatusCode.BadRequest);

        Assert.StartsWith("channel.url: ", detail, StringComparison.Ordinal);
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        await AssertNothingStoredAsync(worker);
    }

    [Fact]
    public async Task ANameThatNeedsDnsIsAcceptedAndLeftToDeliveryTime()
    {
        await using var worker = await StartWorkerAsync();

        var response = await PostAsync(worker, """{"channel": {"type": "webhook", "url": "http://hooks.internal.example/x"}, "filter": {"keywords": ["x"]}}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("http://hooks.internal.example/x", Assert.Single(await ListAsync(worker)).Channel.Url);
    }

    /// <summary>A body whose length is not known in advance, so the request is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
