using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Sources.Feed;

namespace PaperFeed.Worker.Sources.Arxiv;

/// <summary>What both arXiv parsers share: the secure XML reader, the namespaces, and one way to fail.</summary>
internal static partial class ArxivXml
{
    public const string AtomNs = "http://www.w3.org/2005/Atom";
    public const string ArxivNs = "http://arxiv.org/schemas/atom";
    public const string OpenSearchNs = "http://a9.com/-/spec/opensearch/1.1/";
    public const string DcNs = "http://purl.org/dc/elements/1.1/";

    private static readonly XmlReaderSettings Settings = SafeXml.Settings(ignoreWhitespace: true);

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    /// <summary>
    /// Decodes <paramref name="body"/> (BOM, XML declaration, Content-Type charset, as the feed parser does),
    /// reads it with <paramref name="read"/>, and turns every way of failing into a <see cref="SourceException"/>
    /// whose message starts with <paramref name="type"/>.
    /// </summary>
    public static T Read<T>(string type, ReadOnlySpan<byte> body, string? contentType, Func<XmlReader, T> read)
    {
        var text = FeedEncoding.Decode(body, contentType).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.Length == 0)
        {
            throw new SourceException($"{type}: the response body is empty; check the source's Url");
        }

        if (text[0] != '<')
        {
            throw new SourceException($"{type}: the response is not XML (it starts with '{Head(text)}'); check the source's Url");
        }

        return Guard(type, () =>
        {
            using var reader = SafeXml.Open(text, Settings);
            return read(reader);
        });
    }

    /// <summary>
    /// Runs <paramref name="read"/>, turning every way of failing into a <see cref="SourceException"/> whose message
    /// starts with <paramref name="type"/>, except the exceptions <paramref name="passThrough"/> lets through as they are.
    /// </summary>
    public static T Guard<T>(string type, Func<T> read, Func<Exception, bool>? passThrough = null)
    {
        try
        {
            return read();
        }
        catch (SourceException)
        {
            throw;
        }
        catch (XmlException ex)
        {
            throw new SourceException($"{type}: malformed XML at line {ex.LineNumber}, position {ex.LinePosition}: {ex.Message} (a truncated or non-XML response; the next poll retries)", ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && passThrough?.Invoke(ex) != true)
        {
            // Whatever else goes wrong in reading is still this source's problem, not the poller's.
            throw new SourceException($"{type}: unable to read the response: {ex.Message}", ex);
        }
    }

    /// <summary>Moves to the root element and checks it is one of <paramref name="expected"/>; says what it found otherwise.</summary>
    public static void ExpectRoot(string type, XmlReader reader, params (string LocalName, string Namespace)[] expected)
    {
        reader.MoveToContent();
        if (reader.NodeType == XmlNodeType.Element && expected.Any(e => e.LocalName == reader.LocalName && e.Namespace == reader.NamespaceURI))
        {
            return;
        }

        var want = string.Join(" or ", expected.Select(e => $"<{e.LocalName}>"));
        var got = reader.NodeType == XmlNodeType.Element ? $"<{reader.Name}>" : reader.NodeType.ToString();
        throw new SourceException($"{type}: expected {want} as the document root but found {got}; check that the source's Url points at arXiv");
    }

    /// <summary>
    /// Whitespace (arXiv's hard line wraps, the two leading spaces of old summaries) collapsed to single spaces;
    /// null when nothing is left. Nothing else is touched: arXiv text is plain text with TeX, never HTML, so
    /// <c>$0&lt;\delta$</c> must survive (FeedText.Plain would read "&lt;x ...&gt;" as a tag).
    /// </summary>
    public static string? Collapse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Whitespace().Replace(text, " ").Trim();
    }

    /// <summary>arXiv writes <c>arxiv:DOI</c> in listings and <c>arxiv:doi</c> in the API; either may hold several DOIs.</summary>
    public static string? Doi(XElement item) =>
        item.Elements()
            .Where(e => e.Name.NamespaceName == ArxivNs && e.Name.LocalName.Equals("doi", StringComparison.OrdinalIgnoreCase))
            .SelectMany(e => e.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(d => PaperIdentity.TryParseDoi(d, out _));

    /// <summary>The first 20 characters of <paramref name="text"/>, whitespace collapsed: what a non-XML response starts with.</summary>
    public static string Head(string text)
    {
        var head = text.Length > 20 ? text[..20] : text;
        return Collapse(head) ?? "";
    }
}
