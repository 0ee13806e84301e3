using System.Xml.Linq;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>Items of RSS 0.9x/2.0, RSS 0.9/1.0 RDF and Atom 1.0 documents, loaded by <see cref="FeedParser"/>.</summary>
internal static class XmlFeedReader
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    private static readonly XNamespace Rss10 = "http://purl.org/rss/1.0/";
    private static readonly XNamespace Rss090 = "http://my.netscape.com/rdf/simple/0.9/";
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";
    private static readonly XNamespace DcTerms = "http://purl.org/dc/terms/";
    private static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    private static readonly XNamespace Arxiv = "http://arxiv.org/schemas/atom";

    public static bool IsRss(XName root) => root.LocalName == "rss";

    public static bool IsRdf(XName root) => root == Rdf + "RDF";

    public static bool IsAtom(XName root) => root == Atom + "feed";

    /// <summary>RSS 0.91/0.92/2.0: items inside the channel (in whatever namespace the channel uses).</summary>
    public static IEnumerable<FeedItem> ReadRss(XElement rss, Uri? baseUri)
    {
        var channel = rss.Elements().FirstOrDefault(e => e.Name.LocalName == "channel");
        var itemName = (channel ?? rss).Name.Namespace + "item";
        var anchor = baseUri ?? FeedItem.AbsoluteUri(channel?.Element(itemName.Namespace + "link")?.Value, null);
        return (channel?.Elements(itemName) ?? []).Concat(rss.Elements(itemName)).Select(item => ReadRssItem(item, anchor));
    }

    /// <summary>RSS 0.9 and 1.0 RDF: items are siblings of the channel (some producers nest them anyway).</summary>
    public static IEnumerable<FeedItem> ReadRdf(XElement rdf, Uri? baseUri)
    {
        var channel = rdf.Elements().FirstOrDefault(e => e.Name.LocalName == "channel" && IsRssNamespace(e.Name.Namespace));
        var anchor = baseUri ?? FeedItem.AbsoluteUri(channel?.Elements().FirstOrDefault(e => e.Name.LocalName == "link")?.Value, null);
        return rdf.Elements().Concat(channel?.Elements() ?? [])
            .Where(e => e.Name.LocalName == "item" && IsRssNamespace(e.Name.Namespace))
            .Select(item =>
            {
                var read = ReadRssItem(item, anchor);
                if (read.RawLink is null && (string?)item.Attribute(Rdf + "about") is { } about)
                {
                    read.RawLink = about;
                    read.Link = Resolve(about, item, anchor);
                }

                return read;
            });
    }

    public static IEnumerable<FeedItem> ReadAtom(XElement feed, Uri? baseUri)
    {
        var anchor = baseUri ?? FeedItem.AbsoluteUri(AlternateLink(feed), null);
        var feedAuthors = AtomAuthors(feed).ToList();
        return feed.Elements(Atom + "entry").Select(entry => ReadAtomEntry(entry, anchor, feedAuthors));
    }

    private static FeedItem ReadRssItem(XElement item, Uri? anchor)
    {
        var ns = item.Name.Namespace;
        var result = new FeedItem
        {
            Title = Text(item, ns + "title") ?? Text(item, Dc + "title"),
            Summary = Text(item, ns + "description") ?? Text(item, Dc + "description"),
            Content = Text(item, Content + "encoded"),
            RawLink = Text(item, ns + "link"),
            PublishedAt = Date(item, ns + "pubDate") ?? Date(item, Dc + "date") ?? Prism(item, "publicationDate").Select(FeedDates.Parse).FirstOrDefault(d => d is not null) ?? Date(item, Atom + "published"),
            UpdatedAt = Date(item, DcTerms + "modified") ?? Date(item, Atom + "updated"),
        };

        var guid = item.Element(ns + "guid");
        result.Id = guid?.Value;
        result.RawLink ??= AlternateLink(item);
        if (result.RawLink is null && guid is not null && (string?)guid.Attribute("isPermaLink") != "false" && FeedItem.Absolute(guid.Value, null) is not null)
        {
            result.RawLink = guid.Value;
        }

        result.Link = Resolve(result.RawLink, item, anchor);

        // RSS <author> is "email (Name)"; the name is what a reader wants.
        foreach (var author in Texts(item, ns + "author"))
        {
            var open = author.IndexOf('(', StringComparison.Ordinal);
            result.Authors.Add(open > 0 && author.EndsWith(')') ? author[(open + 1)..^1] : author);
        }

        // One dc:creator is one person: "Last, First" must not be split at the comma.
        result.Authors.AddRange(Texts(item, Dc + "creator"));
        result.Categories.AddRange(Texts(item, ns + "category").Concat(Texts(item, Dc + "subject")));

        foreach (var enclosure in item.Elements(ns + "enclosure"))
        {
            result.AddLink(Resolve((string?)enclosure.Attribute("url"), enclosure, anchor), (string?)enclosure.Attribute("type"));
        }

        AddIdentifiers(result, item, anchor);
        return result;
    }

    private static FeedItem ReadAtomEntry(XElement entry, Uri? anchor, List<string> feedAuthors)
    {
        var rawLink = AlternateLink(entry);
        var result = new FeedItem
        {
            Id = Text(entry, Atom + "id"),
            Title = Text(entry, Atom + "title"),
            Summary = Text(entry, Atom + "summary"),
            Content = Text(entry, Atom + "content"),
            RawLink = rawLink,
            Link = Resolve(rawLink, entry, anchor),
            PublishedAt = Date(entry, Atom + "published") ?? Date(entry, Dc + "date") ?? Prism(entry, "publicationDate").Select(FeedDates.Parse).FirstOrDefault(d => d is not null),
            UpdatedAt = Date(entry, Atom + "updated"),
        };

        // An entry without authors has the feed's (RFC 4287 §4.2.1).
        var authors = AtomAuthors(entry).ToList();
        result.Authors.AddRange(authors.Count > 0 ? authors : feedAuthors);
        result.Authors.AddRange(Texts(entry, Dc + "creator"));
        result.Categories.AddRange(entry.Elements(Atom + "category")
            .Select(c => (string?)c.Attribute("term") ?? (string?)c.Attribute("label")).OfType<string>()
            .Concat(Texts(entry, Dc + "subject")));
        AddIdentifiers(result, entry, anchor);
        return result;
    }

    /// <summary>Identifiers any format may carry: dc:identifier, prism:doi, arxiv:doi, and atom:link elements.</summary>
    private static void AddIdentifiers(FeedItem result, XElement item, Uri? anchor)
    {
        result.DoiCandidates.AddRange(Prism(item, "doi"));
        result.DoiCandidates.AddRange(Texts(item, Dc + "identifier"));
        result.DoiCandidates.AddRange(item.Elements().Where(e => e.Name.Namespace == Arxiv && e.Name.LocalName.Equals("doi", StringComparison.OrdinalIgnoreCase)).Select(e => e.Value));
        result.OtherIds.AddRange(Texts(item, Dc + "identifier"));

        foreach (var link in item.Elements(Atom + "link"))
        {
            var href = Resolve((string?)link.Attribute("href"), link, anchor);
            if (href is not null && string.Equals((string?)link.Attribute("title"), "doi", StringComparison.OrdinalIgnoreCase))
            {
                result.DoiCandidates.Add(href);
            }

            result.AddLink(href, (string?)link.Attribute("type"));
        }
    }

    private static IEnumerable<string> AtomAuthors(XElement parent) =>
        parent.Elements(Atom + "author").Select(a => a.Element(Atom + "name")?.Value).OfType<string>();

    /// <summary>The href of the rel="alternate" (or rel-less) atom:link, as written.</summary>
    private static string? AlternateLink(XElement parent) =>
        parent.Elements(Atom + "link")
            .Where(l => ((string?)l.Attribute("rel") ?? "alternate") == "alternate")
            .Select(l => (string?)l.Attribute("href"))
            .FirstOrDefault(h => !string.IsNullOrWhiteSpace(h));

    /// <summary>PRISM elements by local name, in any PRISM version's namespace.</summary>
    private static IEnumerable<string> Prism(XElement parent, string localName) =>
        parent.Elements()
            .Where(e => e.Name.LocalName == localName && e.Name.NamespaceName.StartsWith("http://prismstandard.org/namespaces/", StringComparison.Ordinal))
            .Select(e => e.Value);

    private static bool IsRssNamespace(XNamespace ns) => ns == Rss10 || ns == Rss090;

    private static string? Text(XElement parent, XName name) => Texts(parent, name).FirstOrDefault();

    private static IEnumerable<string> Texts(XElement parent, XName name) =>
        parent.Elements(name).Select(e => e.Value).Where(v => !string.IsNullOrWhiteSpace(v));

    private static DateTimeOffset? Date(XElement parent, XName name) => FeedDates.Parse(Text(parent, name));

    /// <summary>An href made absolute against the xml:base chain of its element, anchored at the feed's base.</summary>
    private static string? Resolve(string? href, XElement element, Uri? anchor)
    {
        if (string.IsNullOrWhiteSpace(href))
        {
            return null;
        }

        var baseUri = anchor;
        foreach (var xmlBase in element.AncestorsAndSelf().Reverse().Select(e => (string?)e.Attribute(XNamespace.Xml + "base")).OfType<string>())
        {
            baseUri = FeedItem.AbsoluteUri(xmlBase, baseUri) ?? baseUri;
        }

        return FeedItem.Absolute(href, baseUri);
    }
}
