using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>A feed body that cannot be read. The message starts with "feed: " and says what and where.</summary>
public sealed class FeedParseException : SourceException
{
    public FeedParseException(string message) : base(message) { }

    public FeedParseException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// How to read a <c>feed</c> source: bytes to papers, for RSS 0.91/0.92/2.0, RSS 0.9 and 1.0 (RDF), Atom 1.0 and
/// JSON Feed 1.0/1.1. Pure: no I/O, no state.
/// </summary>
public static partial class FeedParser
{
    private const string UnknownFormat = "feed: unable to detect feed format (expected RSS, Atom or JSON Feed)";

    private static readonly XmlReaderSettings XmlSettings = SafeXml.Settings();

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        MaxDepth = 64,
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    [GeneratedRegex(@"^(?:<!doctype\s+html|<html[\s>])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex HtmlStart();

    /// <summary>Detects the format of <paramref name="body"/> and reads its items.</summary>
    /// <param name="body">The response body.</param>
    /// <param name="contentType">The Content-Type header, for its charset.</param>
    /// <param name="baseUri">The feed's URL, against which relative links are resolved.</param>
    /// <exception cref="FeedParseException">The body is empty, malformed or not a feed.</exception>
    public static IReadOnlyList<DiscoveredPaper> Parse(ReadOnlySpan<byte> body, string? contentType = null, Uri? baseUri = null)
    {
        var text = "";
        try
        {
            text = FeedEncoding.Decode(body, contentType).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
            var items = text switch
            {
                "" => throw new FeedParseException("feed: the body is empty"),
                ['{', ..] => ReadJson(text, baseUri),
                ['<', ..] when !HtmlStart().IsMatch(text) => ReadXml(text, baseUri),
                _ => throw new FeedParseException(UnknownFormat),
            };
            return [.. items.Select(i => i.ToPaper()).OfType<DiscoveredPaper>()];
        }
        catch (FeedParseException)
        {
            throw;
        }
        catch (XmlException ex)
        {
            var hint = text.Contains("<!ENTITY", StringComparison.OrdinalIgnoreCase) ? " (DTD entities are never expanded)" : "";
            throw new FeedParseException($"feed: malformed XML at line {ex.LineNumber}, position {ex.LinePosition}: {ex.Message}{hint}", ex);
        }
        catch (JsonException ex)
        {
            throw new FeedParseException($"feed: malformed JSON at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever else goes wrong in reading is still this source's problem, not the poller's.
            throw new FeedParseException($"feed: unable to read the feed: {ex.Message}", ex);
        }
    }

    private static List<FeedItem> ReadXml(string text, Uri? baseUri)
    {
        using var reader = SafeXml.Open(text, XmlSettings);
        reader.MoveToContent();
        var rootName = XName.Get(reader.LocalName, reader.NamespaceURI);

        // System.ServiceModel.Syndication reads all the recorded fixtures, but not what real feeds also send: its
        // Rss20FeedFormatter throws NotSupportedException for <rss version="0.91"/"0.92"> or no version, and one
        // enclosure with length="" (FormatException) or one malformed link fails the whole feed. RDF it does
        // not read at all. So every XML format is read here from one secure XmlReader into XElement.
        Func<XElement, Uri?, IEnumerable<FeedItem>> read =
            XmlFeedReader.IsRss(rootName) ? XmlFeedReader.ReadRss
            : XmlFeedReader.IsAtom(rootName) ? XmlFeedReader.ReadAtom
            : XmlFeedReader.IsRdf(rootName) ? XmlFeedReader.ReadRdf
            : throw new FeedParseException(UnknownFormat);

        var root = XElement.Load(reader, LoadOptions.None);
        while (reader.Read())
        {
            // Reads to the end so that a malformed tail is reported too.
        }

        return [.. read(root, baseUri)];
    }

    private static List<FeedItem> ReadJson(string text, Uri? baseUri)
    {
        using var document = JsonDocument.Parse(text, JsonOptions);
        if (!JsonFeedReader.IsJsonFeed(document.RootElement))
        {
            throw new FeedParseException(UnknownFormat);
        }

        return [.. JsonFeedReader.Read(document.RootElement, baseUri)];
    }
}
