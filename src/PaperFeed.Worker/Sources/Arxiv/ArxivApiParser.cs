using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Sources.Feed;

namespace PaperFeed.Worker.Sources.Arxiv;

/// <summary>One response of the arXiv API: its papers and OpenSearch counts, or the error arXiv reported.</summary>
/// <param name="Papers">The entries, in the response's order (empty for zero results and for an error).</param>
/// <param name="TotalResults">opensearch:totalResults, the number of matches of the query.</param>
/// <param name="StartIndex">opensearch:startIndex, the offset of the first entry.</param>
/// <param name="ItemsPerPage">opensearch:itemsPerPage, the page size arXiv applied.</param>
/// <param name="Error">arXiv's message when the response is its Atom error entry; null otherwise.</param>
public sealed record ArxivApiPage(
    IReadOnlyList<DiscoveredPaper> Papers, int? TotalResults, int? StartIndex, int? ItemsPerPage, string? Error = null)
{
    public bool IsError => Error is not null;

    public override string ToString() =>
        Error is not null ? $"error: {Error}" : $"{Papers.Count} papers from {StartIndex} of {TotalResults}";
}

/// <summary>
/// How to read an <c>arxiv-api</c> source: an Atom response of export.arxiv.org/api/query (the 2016 format with
/// per-element namespaces and the current one) to papers. Pure: no I/O, no state. Streams the document and
/// builds one small tree per entry, so a page of 2000 entries never exists as one tree.
/// </summary>
public static class ArxivApiParser
{
    private const string Type = "arxiv-api";

    private static readonly XNamespace Atom = ArxivXml.AtomNs;
    private static readonly XNamespace Arxiv = ArxivXml.ArxivNs;

    /// <summary>Reads one response body.</summary>
    /// <exception cref="SourceException">The body is empty, malformed or not an Atom feed.</exception>
    public static ArxivApiPage Parse(ReadOnlySpan<byte> body, string? contentType = null) =>
        ArxivXml.Read(Type, body, contentType, Read);

    private static ArxivApiPage Read(XmlReader reader)
    {
        ArxivXml.ExpectRoot(Type, reader, ("feed", ArxivXml.AtomNs));
        var papers = new List<DiscoveredPaper>();
        int? total = null, start = null, perPage = null;
        string? error = null;
        if (reader.IsEmptyElement)
        {
            return new ArxivApiPage(papers, total, start, perPage);
        }

        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                reader.Read();
                continue;
            }

            if (reader.NamespaceURI == ArxivXml.AtomNs && reader.LocalName == "entry")
            {
                // ReadFrom leaves the reader after the entry, on the next sibling.
                var entry = (XElement)XNode.ReadFrom(reader);
                if (IsErrorEntry(entry))
                {
                    error ??= ArxivXml.Collapse(entry.Element(Atom + "summary")?.Value) ?? ArxivXml.Collapse(entry.Element(Atom + "id")?.Value) ?? "unknown error";
                }
                else if (ToPaper(entry) is { } paper)
                {
                    papers.Add(paper);
                }

                continue;
            }

            if (reader.NamespaceURI == ArxivXml.OpenSearchNs)
            {
                var name = reader.LocalName;
                var value = Int(reader.ReadElementContentAsString());
                switch (name)
                {
                    case "totalResults": total = value; break;
                    case "startIndex": start = value; break;
                    case "itemsPerPage": perPage = value; break;
                }

                continue;
            }

            reader.Skip();
        }

        return error is not null ? new ArxivApiPage([], total, start, perPage, error) : new ArxivApiPage(papers, total, start, perPage);
    }

    /// <summary>
    /// arXiv reports a bad query as a feed with one entry whose id is under <c>arxiv.org/api/errors</c> and whose
    /// title is "Error" — with HTTP 400 today, with HTTP 200 in older deployments. Zero results is a feed with no
    /// entry at all.
    /// </summary>
    private static bool IsErrorEntry(XElement entry)
    {
        var id = entry.Element(Atom + "id")?.Value.Trim();
        return id is not null
            && Uri.TryCreate(id, UriKind.Absolute, out var uri)
            && (uri.Host.Equals("arxiv.org", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith(".arxiv.org", StringComparison.OrdinalIgnoreCase))
            && uri.AbsolutePath.TrimEnd('/').Equals("/api/errors", StringComparison.OrdinalIgnoreCase);
    }

    private static DiscoveredPaper? ToPaper(XElement entry)
    {
        var rawId = Text(entry.Element(Atom + "id"));
        var links = entry.Elements(Atom + "link").ToList();
        var alternate = links.Where(l => ((string?)l.Attribute("rel") ?? "alternate") == "alternate").Select(Href).FirstOrDefault(h => h is not null);
        var pdf = links.Where(l => (string?)l.Attribute("title") == "pdf" || (string?)l.Attribute("type") == "application/pdf").Select(Href).FirstOrDefault(h => h is not null);

        ArxivId? id = PaperIdentity.TryParseArxiv(rawId, out var fromId) ? fromId
            : PaperIdentity.TryParseArxiv(alternate, out var fromLink) ? fromLink
            : null;

        // The external id has no version: the entry's <id> gains one with each revision, so it is not stable.
        var externalId = id?.Id ?? rawId ?? alternate;
        var title = ArxivXml.Collapse(entry.Element(Atom + "title")?.Value);
        if (externalId is null && title is null)
        {
            return null;
        }

        // The primary category first, then the others in the order given.
        var primary = (string?)entry.Element(Arxiv + "primary_category")?.Attribute("term");
        var categories = entry.Elements(Atom + "category").Select(c => (string?)c.Attribute("term"));

        return new DiscoveredPaper
        {
            ExternalId = externalId ?? title!,
            Title = title ?? externalId!,
            Abstract = ArxivXml.Collapse(entry.Element(Atom + "summary")?.Value),
            Authors = [.. entry.Elements(Atom + "author").Select(a => ArxivXml.Collapse(a.Element(Atom + "name")?.Value)).OfType<string>()],
            Categories = [.. categories.Prepend(primary).Select(c => c?.Trim()).OfType<string>().Where(c => c.Length > 0).Distinct(StringComparer.Ordinal)],
            ArxivId = id?.ToString(),
            Version = id?.Version,
            Doi = ArxivXml.Doi(entry),
            PublishedAt = FeedDates.Parse(entry.Element(Atom + "published")?.Value),
            UpdatedAt = FeedDates.Parse(entry.Element(Atom + "updated")?.Value),
            Links = new PaperLinks
            {
                Abstract = alternate ?? (id is { } a ? $"https://arxiv.org/abs/{a}" : null),
                Pdf = pdf ?? (id is { } p ? $"https://arxiv.org/pdf/{p}" : null),
            },
        };
    }

    private static string? Href(XElement link) => Text(link.Attribute("href")?.Value);

    private static string? Text(XElement? element) => Text(element?.Value);

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int? Int(string value) =>
        int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
