using System.Security;
using System.Text;
using System.Text.Json;
using PaperFeed.Contracts;
using PaperFeed.Worker.Sources.Arxiv;
using PaperFeed.Worker.Sources.ArxivOai;
using PaperFeed.Worker.Sources.Feed;
using PaperFeed.Worker.Sources.HuggingFace;

namespace PaperFeed.Tests.Hostile;

/// <summary>
/// One way the worker reads a response body: the parser, the exception it documents for a body it cannot read, the
/// prefix of that exception's messages, and how to write a one-item document in its format.
/// </summary>
/// <param name="Name">How tests name it (<c>feed-rss</c>, <c>arxiv-api-stream</c>).</param>
/// <param name="ParseError">The documented exception: nothing else may escape.</param>
/// <param name="Prefix">What every message of <paramref name="ParseError"/> starts with (<c>feed: </c>).</param>
/// <param name="Parse">Body to papers.</param>
/// <param name="Text">Text escaped for the format (XML character data, or a JSON string literal with its quotes).</param>
/// <param name="Document">A document of one item from its title and date, both already passed through <paramref name="Text"/>.</param>
/// <param name="IsXml">Whether the format is XML (DTD and entity cases apply).</param>
public sealed record Parser(
    string Name,
    Type ParseError,
    string Prefix,
    Func<byte[], IReadOnlyList<DiscoveredPaper>> Parse,
    Func<string, string> Text,
    Func<string, string, string> Document,
    bool IsXml)
{
    public const string ValidDate = "2024-10-22T17:59:30Z";

    public static readonly DateTimeOffset ValidDateValue = new(2024, 10, 22, 17, 59, 30, TimeSpan.Zero);

    /// <summary>A one-item document, as UTF-8, with <paramref name="title"/> and <paramref name="date"/> escaped for the format.</summary>
    public byte[] Build(string title, string date = ValidDate) => Encoding.UTF8.GetBytes(Document(Text(title), Text(date)));

    /// <summary>A one-item document whose title is exactly <paramref name="titleBytes"/>, whatever they are.</summary>
    public byte[] BuildWithTitleBytes(byte[] titleBytes)
    {
        const string mark = "TITLEMARK";
        var doc = Build(mark);
        var at = doc.AsSpan().IndexOf(Encoding.ASCII.GetBytes(mark));
        return [.. doc[..at], .. titleBytes, .. doc[(at + mark.Length)..]];
    }

    public override string ToString() => Name;

    private static string Xml(string text) => SecurityElement.Escape(text);

    private static string Json(string text) => JsonSerializer.Serialize(text);

    private static IReadOnlyList<DiscoveredPaper> ApiStream(byte[] body)
    {
        var papers = new List<DiscoveredPaper>();
        ArxivApiParser.Parse(new MemoryStream(body, writable: false), null, papers.Add);
        return papers;
    }

    public static readonly Parser FeedRss = new(
        "feed-rss", typeof(FeedParseException), "feed: ", b => FeedParser.Parse(b), Xml,
        (t, d) => $"<rss version=\"2.0\"><channel><title>c</title><item><title>{t}</title><link>https://example.org/1</link><guid>item-1</guid><pubDate>{d}</pubDate></item></channel></rss>",
        IsXml: true);

    public static readonly Parser FeedAtom = new(
        "feed-atom", typeof(FeedParseException), "feed: ", b => FeedParser.Parse(b), Xml,
        (t, d) => $"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>f</title><entry><id>urn:item-1</id><title>{t}</title><link href=\"https://example.org/1\"/><published>{d}</published></entry></feed>",
        IsXml: true);

    public static readonly Parser FeedJson = new(
        "feed-json", typeof(FeedParseException), "feed: ", b => FeedParser.Parse(b), Json,
        (t, d) => $$"""{"version": "https://jsonfeed.org/version/1.1", "title": "f", "items": [{"id": "item-1", "url": "https://example.org/1", "title": {{t}}, "date_published": {{d}}}]}""",
        IsXml: false);

    public static readonly Parser ArxivRss = new(
        "arxiv-rss", typeof(SourceException), "arxiv-rss: ", b => ArxivRssParser.ParsePapers(b), Xml,
        (t, d) => $"<rss version=\"2.0\" xmlns:arxiv=\"http://arxiv.org/schemas/atom\"><channel><title>cs.AI</title><item><title>{t}</title><link>https://arxiv.org/abs/2504.17830</link><description>arXiv:2504.17830v1 Announce Type: new Abstract: We study.</description><guid isPermaLink=\"false\">oai:arXiv.org:2504.17830v1</guid><pubDate>{d}</pubDate><arxiv:announce_type>new</arxiv:announce_type></item></channel></rss>",
        IsXml: true);

    public static readonly Parser ArxivApi = new(
        "arxiv-api", typeof(SourceException), "arxiv-api: ", b => ArxivApiParser.Parse(b).Papers, Xml,
        (t, d) => $"<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:opensearch=\"http://a9.com/-/spec/opensearch/1.1/\"><opensearch:totalResults>1</opensearch:totalResults><entry><id>http://arxiv.org/abs/2401.00001v1</id><published>{d}</published><title>{t}</title><summary>We study.</summary></entry></feed>",
        IsXml: true);

    public static readonly Parser ArxivApiStream = ArxivApi with { Name = "arxiv-api-stream", Parse = ApiStream };

    public static readonly Parser ArxivOai = new(
        "arxiv-oai", typeof(SourceException), "arxiv-oai: ", b => OaiParser.Parse(b).Papers, Xml,
        (t, d) => $"<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><responseDate>2024-02-03T10:00:00Z</responseDate><ListRecords><record><header><identifier>oai:arXiv.org:2402.00001</identifier></header><metadata><arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\"><id>2402.00001</id><created>{d}</created><title>{t}</title></arXiv></metadata></record></ListRecords></OAI-PMH>",
        IsXml: true);

    public static readonly Parser HuggingFace = new(
        "huggingface", typeof(SourceException), "huggingface: ", b => HuggingFaceParser.Parse(b), Json,
        (t, d) => $$"""[{"paper": {"id": "2410.17243", "publishedAt": {{d}}, "upvotes": 12}, "title": {{t}}, "numComments": 3}]""",
        IsXml: false);

    public static readonly Parser[] All = [FeedRss, FeedAtom, FeedJson, ArxivRss, ArxivApi, ArxivApiStream, ArxivOai, HuggingFace];

    public static Parser Named(string name) => All.Single(p => p.Name == name);

    public static TheoryData<string> AllNames() => [.. All.Select(p => p.Name)];

    public static TheoryData<string> XmlNames() => [.. All.Where(p => p.IsXml).Select(p => p.Name)];
}
