using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PaperFeed.Contracts;

namespace PaperFeed.Tests.Hostile;

/// <summary>
/// Every parser the worker has, on an adversarial corpus: entity bombs and external entities, broken and lying
/// encodings, nesting, numbers and dates out of range, huge titles, empty and truncated bodies. Each case has one
/// expected outcome: the parser's documented error with a message saying what is wrong, or a clean result that
/// keeps the item and drops or cleans the bad part. Nothing else may escape, nothing may hang.
/// </summary>
public sealed class HostileDocumentTests
{
    /// <summary>Far above what any case takes here (under a second each), far below a hang.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Parses on another thread so that a hang fails the test instead of stalling the run.</summary>
    private static (IReadOnlyList<DiscoveredPaper>? Papers, Exception? Error, TimeSpan Took) Run(Parser parser, byte[] body)
    {
        var watch = Stopwatch.StartNew();
        var task = Task.Run(() => parser.Parse(body), TestContext.Current.CancellationToken);
        Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(Patience), $"{parser.Name} did not finish within {Patience}");
        return task.IsCompletedSuccessfully ? (task.Result, null, watch.Elapsed) : (null, task.Exception!.InnerException, watch.Elapsed);
    }

    /// <summary>The single paper of a clean result.</summary>
    private static DiscoveredPaper Clean(Parser parser, byte[] body)
    {
        var (papers, error, _) = Run(parser, body);
        Assert.True(error is null, $"{parser.Name} threw {error}");
        return Assert.Single(papers!);
    }

    /// <summary>The documented error of <paramref name="parser"/>, exactly that type, with its prefix.</summary>
    private static string Refused(Parser parser, byte[] body)
    {
        var (papers, error, _) = Run(parser, body);
        if (error is null)
        {
            Assert.Fail($"{parser.Name} read {papers!.Count} papers instead of refusing");
        }

        Assert.True(error.GetType() == parser.ParseError, $"{parser.Name} threw {error.GetType().Name}, not {parser.ParseError.Name}: {error}");
        Assert.StartsWith(parser.Prefix, error.Message, StringComparison.Ordinal);
        return error.Message;
    }

    private static string MalformedXml(Parser parser) => parser.Prefix + "malformed XML at line ";

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    // --- Entities and DTDs ---------------------------------------------------------------------------------

    private const string BillionLaughs = """
        <!DOCTYPE lolz [
         <!ENTITY lol "lol">
         <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
         <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
         <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
         <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
         <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
         <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
         <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
         <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>

        """;

    [Theory]
    [MemberData(nameof(Parser.XmlNames), MemberType = typeof(Parser))]
    public void BillionLaughsIsRefusedAtItsFirstReferenceWithoutExpanding(string name)
    {
        var parser = Parser.Named(name);
        var body = Encoding.UTF8.GetBytes(BillionLaughs + parser.Document("&lol9;", Parser.ValidDate));

        var (_, _, took) = Run(parser, body);
        var message = Refused(parser, body);

        Assert.StartsWith(MalformedXml(parser), message, StringComparison.Ordinal);
        Assert.Contains("Reference to undeclared entity 'lol9'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("lollol", message, StringComparison.Ordinal);
        Assert.True(took < TimeSpan.FromSeconds(5), $"took {took}");
    }

    [Theory]
    [MemberData(nameof(Parser.XmlNames), MemberType = typeof(Parser))]
    public void AFileEntityIsRefusedWithoutReadingTheFile(string name)
    {
        var parser = Parser.Named(name);
        var body = Encoding.UTF8.GetBytes("<!DOCTYPE x [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n" + parser.Document("&xxe;", Parser.ValidDate));

        var message = Refused(parser, body);

        Assert.StartsWith(MalformedXml(parser) + "2, position ", message, StringComparison.Ordinal);
        Assert.Contains("Reference to undeclared entity 'xxe'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Parser.XmlNames), MemberType = typeof(Parser))]
    public void AnHttpEntityIsRefusedWithoutConnecting(string name)
    {
        var parser = Parser.Named(name);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/secret";
        var body = Encoding.UTF8.GetBytes($"<!DOCTYPE x [ <!ENTITY xxe SYSTEM \"{url}\"> ]>\n" + parser.Document("&xxe;", Parser.ValidDate));

        var message = Refused(parser, body);

        Assert.Contains("Reference to undeclared entity 'xxe'", message, StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the parser connected to the entity's URL");
    }

    [Theory]
    [MemberData(nameof(Parser.XmlNames), MemberType = typeof(Parser))]
    public void AnExternalDtdIsNeitherFetchedNorInTheWay(string name)
    {
        var parser = Parser.Named(name);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var dtd = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/evil.dtd";
        var body = Encoding.UTF8.GetBytes($"<!DOCTYPE x SYSTEM \"{dtd}\">\n" + parser.Document("A paper behind a DOCTYPE", Parser.ValidDate));

        var paper = Clean(parser, body);

        Assert.Equal("A paper behind a DOCTYPE", paper.Title);
        Assert.False(listener.Pending(), "the parser fetched the external DTD");
    }

    [Fact]
    public void XmlIsNotHuggingFaceJson()
    {
        var body = Encoding.UTF8.GetBytes(BillionLaughs + Parser.ArxivApi.Document("&lol9;", Parser.ValidDate));

        var message = Refused(Parser.HuggingFace, body);

        Assert.StartsWith("huggingface: expected a JSON array of daily papers but got HTML or XML (starts with \"<!DOCTYPE lolz [", message, StringComparison.Ordinal);
    }

    // --- Encodings ------------------------------------------------------------------------------------------

    // "caf" + C3 28 (a lead byte followed by a non-continuation byte) + " " + FF (never valid in UTF-8).
    private static readonly byte[] InvalidUtf8Title = [(byte)'c', (byte)'a', (byte)'f', 0xC3, 0x28, (byte)' ', 0xFF];

    /// <summary>
    /// What each parser makes of a title that is not UTF-8. Unlabelled text that is not UTF-8 is windows-1252 for
    /// every parser that decodes text (FeedEncoding); the streaming readers, which read bytes as XML does, refuse it;
    /// JSON from the API is UTF-8 by contract, so the broken sequences become U+FFFD and the paper stays.
    /// </summary>
    public static TheoryData<string, string?, string?> InvalidUtf8Outcomes => new()
    {
        { "feed-rss", "cafÃ( ÿ", null },
        { "feed-atom", "cafÃ( ÿ", null },
        { "feed-json", "cafÃ( ÿ", null },
        { "arxiv-rss", "cafÃ( ÿ", null },
        { "arxiv-api", "cafÃ( ÿ", null },
        { "arxiv-api-stream", null, "Invalid character in the given encoding" },
        { "arxiv-oai", null, "Invalid character in the given encoding" },
        { "huggingface", "caf\uFFFD( \uFFFD", null },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8Outcomes))]
    public void InvalidUtf8IsReadAsWindows1252RefusedOrReplacedAsEachFormatDocuments(string name, string? title, string? error)
    {
        var parser = Parser.Named(name);
        var body = parser.BuildWithTitleBytes(InvalidUtf8Title);

        if (title is not null)
        {
            Assert.Equal(title, Clean(parser, body).Title);
        }
        else
        {
            var message = Refused(parser, body);
            Assert.StartsWith(MalformedXml(parser) + "1, position ", message, StringComparison.Ordinal);
            Assert.Contains(error!, message, StringComparison.Ordinal);
        }
    }

    /// <summary>A declaration of UTF-16 on bytes without its byte order mark: the text readers see through it, the byte readers refuse it.</summary>
    public static TheoryData<string, bool> Utf16Lies => new()
    {
        { "feed-rss", true },
        { "feed-atom", true },
        { "arxiv-rss", true },
        { "arxiv-api", true },
        { "arxiv-api-stream", false },
        { "arxiv-oai", false },
    };

    [Theory]
    [MemberData(nameof(Utf16Lies))]
    public void ADeclarationOfUtf16OnUtf8BytesIsSeenThroughOrRefusedClearly(string name, bool read)
    {
        var parser = Parser.Named(name);
        var body = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + parser.Document("Grüße", Parser.ValidDate));

        if (read)
        {
            Assert.Equal("Grüße", Clean(parser, body).Title);
        }
        else
        {
            Assert.Equal(
                MalformedXml(parser) + "0, position 0: There is no Unicode byte order mark. Cannot switch to Unicode." + (name == "arxiv-api-stream" ? " (a truncated or non-XML response; the next poll retries)" : ""),
                Refused(parser, body));
        }
    }

    [Theory]
    [InlineData("feed-rss")]
    [InlineData("feed-json")]
    [InlineData("arxiv-rss")]
    public void AUtf8ByteOrderMarkWinsOverLatin1BytesAndTheirBadBytesAreReplaced(string name)
    {
        // The byte order mark is the strongest label there is; the bytes it lies about cannot be told apart from damage.
        var parser = Parser.Named(name);
        var body = parser.BuildWithTitleBytes(Encoding.Latin1.GetBytes("Grüße"));

        Assert.Equal("Gr\uFFFD\uFFFDe", Clean(parser, [0xEF, 0xBB, 0xBF, .. body]).Title);
    }

    [Fact]
    public void AUtf16ByteOrderMarkOnUtf8FeedBytesIsNotAFeed()
    {
        var body = Parser.FeedRss.Build("Grüße");

        Assert.Equal("feed: unable to detect feed format (expected RSS, Atom or JSON Feed)", Refused(Parser.FeedRss, [0xFF, 0xFE, .. body]));
    }

    [Fact]
    public void Utf16HuggingFaceJsonIsMalformed()
    {
        var body = Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(Parser.HuggingFace.Build("A paper")));

        Assert.StartsWith("huggingface: malformed JSON at line 1, byte 1: ", Refused(Parser.HuggingFace, [0xFF, 0xFE, .. body]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\\ud800", "A title")]
    [InlineData("\\udfff\\ud800", "A title")]
    public void AnEscapedLoneSurrogateDropsItsFieldNotThePage(string escape, string title)
    {
        var body = Encoding.UTF8.GetBytes($$"""[{"paper": {"id": "2410.17243", "summary": "{{escape}}", "authors": [{"name": "{{escape}}"}, {"name": "Ada"}], "ai_keywords": ["{{escape}}"]}, "title": "{{title}}"}, {"paper": {"id": "2410.00002"}, "title": "{{escape}}"}]""");

        var page = PaperFeed.Worker.Sources.HuggingFace.HuggingFaceParser.ReadPage(body);

        var paper = Assert.Single(page.Papers);
        Assert.Equal(title, paper.Title);
        Assert.Null(paper.Abstract);
        Assert.Equal(["Ada"], paper.Authors);
        Assert.Empty(paper.Keywords);
        Assert.Equal(1, page.Skipped);
    }

    [Fact]
    public void AnEscapedLoneSurrogateInAFieldNameSkipsTheItemNotThePage()
    {
        var body = Encoding.UTF8.GetBytes("""[{"paper": {"id": "2410.00001", "\ud800hidden": 1}, "title": "Broken"}, {"paper": {"id": "2410.17243"}, "title": "Kept"}]""");

        var page = PaperFeed.Worker.Sources.HuggingFace.HuggingFaceParser.ReadPage(body);

        Assert.Equal("Kept", Assert.Single(page.Papers).Title);
        Assert.Equal(1, page.Skipped);
    }

    [Fact]
    public void AnErrorObjectWithAnUnreadableNameIsStillAnError()
    {
        var body = Encoding.UTF8.GetBytes("""{"error": "Invalid date", "\ud800": "x"}""");

        Assert.Equal("huggingface: expected a JSON array of daily papers but got a JSON object", Refused(Parser.HuggingFace, body));
    }

    // --- Nesting --------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Parser.XmlNames), MemberType = typeof(Parser))]
    public void AHundredThousandNestedElementsAreRefusedQuickly(string name)
    {
        var parser = Parser.Named(name);
        var body = Encoding.UTF8.GetBytes(parser.Document(Repeat("<b>", 100_000) + "deep" + Repeat("</b>", 100_000), Parser.ValidDate));

        var (_, _, took) = Run(parser, body);
        var message = Refused(parser, body);

        Assert.StartsWith(MalformedXml(parser) + "1, position ", message, StringComparison.Ordinal);
        Assert.Contains("elements are nested more than 256 deep", message, StringComparison.Ordinal);
        Assert.True(took < TimeSpan.FromSeconds(5), $"took {took}");
    }

    [Theory]
    [MemberData(nameof(Parser.XmlNames), MemberType = typeof(Parser))]
    public void NestingWellWithinTheLimitIsRead(string name)
    {
        var parser = Parser.Named(name);
        var body = Encoding.UTF8.GetBytes(parser.Document(Repeat("<b>", 200) + "deep" + Repeat("</b>", 200), Parser.ValidDate));

        Assert.Equal("deep", Clean(parser, body).Title);
    }

    [Theory]
    [InlineData("feed-json", "feed: malformed JSON at line 1, byte ")]
    [InlineData("huggingface", "huggingface: malformed JSON at line 1, byte ")]
    public void AHundredThousandNestedJsonArraysAreRefused(string name, string prefix)
    {
        var parser = Parser.Named(name);
        var body = Encoding.UTF8.GetBytes(parser.Document(Repeat("[", 100_000) + Repeat("]", 100_000), "\"x\""));

        var message = Refused(parser, body);

        Assert.StartsWith(prefix, message, StringComparison.Ordinal);
        Assert.Contains("maximum configured depth of 64", message, StringComparison.Ordinal);
    }

    // --- Numbers --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1")]
    [InlineData("99999999999999999999")]
    [InlineData("2147483648")]
    [InlineData("1.5")]
    [InlineData("\"12\"")]
    [InlineData("true")]
    [InlineData("null")]
    public void UpvotesOutOfRangeAreDroppedAndThePaperKept(string upvotes)
    {
        var body = Encoding.UTF8.GetBytes($$"""[{"paper": {"id": "2410.17243", "upvotes": {{upvotes}}, "githubStars": {{upvotes}}}, "title": "t", "numComments": {{upvotes}}}]""");

        var paper = Clean(Parser.HuggingFace, body);

        Assert.Equal("2410.17243", paper.ExternalId);
        Assert.Null(paper.Metrics.Upvotes);
        Assert.Null(paper.Metrics.Comments);
        Assert.Null(paper.Metrics.GithubStars);
    }

    [Fact]
    public void UpvotesInRangeAreKept()
    {
        var body = Encoding.UTF8.GetBytes("""[{"paper": {"id": "2410.17243", "upvotes": 2147483647}, "title": "t", "numComments": 0}]""");

        var paper = Clean(Parser.HuggingFace, body);

        Assert.Equal(int.MaxValue, paper.Metrics.Upvotes);
        Assert.Equal(0, paper.Metrics.Comments);
    }

    [Theory]
    [InlineData("99999999999999999999", null)]
    [InlineData("1e400", null)]
    [InlineData("12", 12)]
    public void ArxivApiCountsOutOfRangeAreUnknown(string total, int? expected)
    {
        var body = Encoding.UTF8.GetBytes(Parser.ArxivApi.Document("t", Parser.ValidDate).Replace("<opensearch:totalResults>1<", $"<opensearch:totalResults>{total}<", StringComparison.Ordinal));

        var page = PaperFeed.Worker.Sources.Arxiv.ArxivApiParser.Parse(body);

        Assert.Equal(expected, page.TotalResults);
        Assert.Single(page.Papers);
    }

    [Theory]
    [InlineData("completeListSize=\"99999999999999999999\" cursor=\"-1\"")]
    [InlineData("completeListSize=\"1e400\" cursor=\"0x10\"")]
    public void OaiListSizesOutOfRangeAreUnknown(string attributes)
    {
        var body = Encoding.UTF8.GetBytes(Parser.ArxivOai.Document("t", Parser.ValidDate)
            .Replace("</ListRecords>", $"<resumptionToken {attributes}>token-1</resumptionToken></ListRecords>", StringComparison.Ordinal));

        var page = PaperFeed.Worker.Sources.ArxivOai.OaiParser.Parse(body);

        Assert.Null(page.Info.CompleteListSize);
        Assert.Null(page.Info.Cursor);
        Assert.Equal("token-1", page.Info.ResumptionToken);
        Assert.Single(page.Papers);
    }

    [Fact]
    public void AJsonFeedIdOutOfRangeIsKeptAsWritten()
    {
        var body = Encoding.UTF8.GetBytes("""{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": 1e400, "title": "t"}]}""");

        Assert.Equal("1e400", Clean(Parser.FeedJson, body).ExternalId);
    }

    // --- Dates ----------------------------------------------------------------------------------------------

    public static TheoryData<string, string> BrokenDates()
    {
        string[] dates =
        [
            "", "   ", "32/13/2026", "0000-01-01T00:00:00Z", "99999-01-01T00:00:00Z", "2026-01-01T00:00:00+99:99",
            "Wed, 17 Oct 2018 10:30:00 +9999", "Wed, 17 Oct 2018 99:99:99 GMT", "31 Feb 2026 10:00 GMT", "1 Jan 0000 00:00 GMT",
            "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "garbage", "2026-13-45",
        ];
        var data = new TheoryData<string, string>();
        foreach (var parser in Parser.All)
        {
            foreach (var date in dates)
            {
                data.Add(parser.Name, date);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BrokenDates))]
    public void ABrokenDateIsDroppedAndThePaperKept(string name, string date)
    {
        var parser = Parser.Named(name);

        var paper = Clean(parser, parser.Build("A paper with a broken date", date));

        Assert.Equal("A paper with a broken date", paper.Title);
        Assert.Null(paper.PublishedAt);
    }

    [Theory]
    [MemberData(nameof(Parser.AllNames), MemberType = typeof(Parser))]
    public void AValidDateInTheSamePlaceIsRead(string name)
    {
        var parser = Parser.Named(name);

        Assert.Equal(Parser.ValidDateValue, Clean(parser, parser.Build("A paper", Parser.ValidDate)).PublishedAt);
    }

    [Fact]
    public void TenMegabytesOfGarbageInADateAreDroppedQuickly()
    {
        var (papers, error, took) = Run(Parser.FeedRss, Parser.FeedRss.Build("t", Repeat("Wed, 17 Oct ", 900_000)));

        Assert.Null(error);
        Assert.Null(Assert.Single(papers!).PublishedAt);
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
    }

    // --- Huge titles ----------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Parser.AllNames), MemberType = typeof(Parser))]
    public void ATenMegabyteTitleIsReadWhole(string name)
    {
        // The parsers are pure and keep it; the poller cuts titles to 2,000 characters before publishing.
        var parser = Parser.Named(name);
        var title = Repeat("attention ", 1_000_000);

        var (papers, error, took) = Run(parser, parser.Build(title));

        Assert.Null(error);
        Assert.Equal(title.TrimEnd(), Assert.Single(papers!).Title);
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
    }

    [Theory]
    [InlineData("<script>", "https://example.org/1")]
    [InlineData("<style x=", null)]
    [InlineData("<!--", null)]
    [InlineData("<a ", null)]
    [InlineData("<p ", null)]
    public void TenMegabytesOfUnclosedMarkupInAFeedTitleAreStrippedInLinearTime(string opening, string? title)
    {
        // With backtracking regexes each unclosed opening cost a scan to the end of the text: hours for this.
        var markup = Repeat(opening, 10_000_000 / opening.Length);

        var (papers, error, took) = Run(Parser.FeedRss, Parser.FeedRss.Build(markup));

        Assert.Null(error);
        Assert.Equal(title ?? markup.TrimEnd(), Assert.Single(papers!).Title);
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
    }

    [Fact]
    public void MarkupIsStillStrippedFromFeedTitles()
    {
        var paper = Clean(Parser.FeedRss, Parser.FeedRss.Build("<p>A <b>bold</b> claim<script>alert(1)</script><!-- c --><style>x{}</style></p>"));

        Assert.Equal("A bold claim", paper.Title);
    }

    // --- Empty and truncated bodies -------------------------------------------------------------------------

    public static TheoryData<string, string, string> EmptyBodies()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (body, label) in new[] { ("", "empty"), ("\uFEFF", "only a BOM"), (" \r\n\t ", "whitespace"), ("\uFEFF\uFEFF  ", "BOMs and spaces") })
        {
            data.Add("feed-rss", body, "feed: the body is empty");
            data.Add("arxiv-rss", body, "arxiv-rss: the response body is empty; check the source's Url");
            data.Add("arxiv-api", body, "arxiv-api: the response body is empty; check the source's Url");
            data.Add("arxiv-api-stream", body, "arxiv-api: the response body is empty; check the source's Url");
            data.Add("huggingface", body, label == "BOMs and spaces"
                ? "huggingface: malformed JSON at line 1, byte 1: '0xEF' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0."
                : "huggingface: the body is empty (expected a JSON array of daily papers)");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EmptyBodies))]
    public void AnEmptyBodyIsRefusedAsEmpty(string name, string body, string message)
    {
        Assert.Equal(message, Refused(Parser.Named(name), Encoding.UTF8.GetBytes(body)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\uFEFF")]
    public void AnEmptyOaiBodyIsRefusedAsMissingItsRoot(string body)
    {
        Assert.Equal("arxiv-oai: malformed XML at line 0, position 0: Root element is missing.", Refused(Parser.ArxivOai, Encoding.UTF8.GetBytes(body)));
    }

    [Theory]
    [MemberData(nameof(Parser.AllNames), MemberType = typeof(Parser))]
    public void ADocumentCutAnywhereIsRefusedOrReadCleanly(string name)
    {
        var parser = Parser.Named(name);
        var whole = parser.Build("A paper that was cut");
        var refused = 0;

        for (var length = 0; length < whole.Length; length++)
        {
            var (papers, error, _) = Run(parser, whole[..length]);
            if (error is not null)
            {
                Assert.True(error.GetType() == parser.ParseError, $"cut at {length}: {error}");
                Assert.StartsWith(parser.Prefix, error.Message, StringComparison.Ordinal);
                refused++;
            }
            else
            {
                Assert.All(papers!, p => Assert.False(string.IsNullOrWhiteSpace(p.Title)));
            }
        }

        // A document cut before its end is not a document.
        Assert.Equal(whole.Length, refused);
    }

    [Theory]
    [InlineData("feed-rss", "feed: malformed XML at line 1, position ")]
    [InlineData("feed-json", "feed: malformed JSON at line 1, byte ")]
    [InlineData("arxiv-rss", "arxiv-rss: malformed XML at line 1, position ")]
    [InlineData("arxiv-api", "arxiv-api: malformed XML at line 1, position ")]
    [InlineData("arxiv-api-stream", "arxiv-api: malformed XML at line 1, position ")]
    [InlineData("arxiv-oai", "arxiv-oai: malformed XML at line 1, position ")]
    [InlineData("huggingface", "huggingface: malformed JSON at line 1, byte ")]
    public void ADocumentCutInsideItsTitleSaysWhere(string name, string prefix)
    {
        var parser = Parser.Named(name);
        var whole = parser.Build("A paper that was cut");
        var cut = whole.AsSpan().IndexOf("that was"u8);

        Assert.StartsWith(prefix, Refused(parser, whole[..cut]), StringComparison.Ordinal);
    }
}
