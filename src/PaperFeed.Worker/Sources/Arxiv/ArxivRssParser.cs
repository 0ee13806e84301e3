using System.Text.RegularExpressions;
using System.Xml.Linq;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Sources.Feed;

namespace PaperFeed.Worker.Sources.Arxiv;

/// <summary>One item of an arXiv listing: how arXiv announced the paper, and the paper.</summary>
/// <param name="AnnounceType"><c>new</c>, <c>cross</c>, <c>replace</c> or <c>replace-cross</c> as arXiv wrote it (<c>unknown</c> when absent).</param>
/// <param name="Paper">The paper; for a replacement its <see cref="DiscoveredPaper.Version"/> is the new version.</param>
public sealed record ArxivAnnouncement(string AnnounceType, DiscoveredPaper Paper)
{
    /// <summary>A new version of a paper announced before (<c>replace</c>, <c>replace-cross</c>).</summary>
    public bool IsReplacement => AnnounceType.StartsWith("replace", StringComparison.Ordinal);
}

/// <summary>
/// How to read an <c>arxiv-rss</c> source: the 2024+ listings of rss.arxiv.org, RSS 2.0 (<c>/rss/cs.AI</c>) or
/// Atom 1.0 (<c>/atom/cs.AI</c>), to announcements. Pure: no I/O, no state. A listing without items (weekends,
/// holidays) is an empty list, not an error.
/// </summary>
public static partial class ArxivRssParser
{
    private const string Type = "arxiv-rss";

    private static readonly XNamespace Atom = ArxivXml.AtomNs;
    private static readonly XNamespace Arxiv = ArxivXml.ArxivNs;
    private static readonly XNamespace Dc = ArxivXml.DcNs;

    // "arXiv:2504.17830v1 Announce Type: new \nAbstract: We introduce ..." (a trailing space, then a newline).
    [GeneratedRegex(@"^\s*arXiv:(?<id>\S+)\s+Announce\s+Type:\s*(?<type>[A-Za-z-]+)\s*(?:Abstract:)?(?<abstract>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Description();

    /// <summary>Reads the announcements of one listing, in the listing's order.</summary>
    /// <exception cref="SourceException">The body is empty, malformed, or neither RSS nor Atom.</exception>
    public static IReadOnlyList<ArxivAnnouncement> Parse(ReadOnlySpan<byte> body, string? contentType = null) =>
        ArxivXml.Read(Type, body, contentType, reader =>
        {
            ArxivXml.ExpectRoot(Type, reader, ("rss", ""), ("feed", ArxivXml.AtomNs));
            var root = XElement.Load(reader, LoadOptions.None);
            while (reader.Read())
            {
                // Reads to the end so that a malformed tail is reported too.
            }

            var items = root.Name == Atom + "feed"
                ? root.Elements(Atom + "entry").Select(FromAtom)
                : (root.Element("channel")?.Elements("item") ?? []).Select(FromRss);
            return (IReadOnlyList<ArxivAnnouncement>)[.. items.Select(ToAnnouncement).OfType<ArxivAnnouncement>()];
        });

    /// <summary>The papers of one listing (what <see cref="ArxivRssSource"/> publishes).</summary>
    public static IReadOnlyList<DiscoveredPaper> ParsePapers(ReadOnlySpan<byte> body, string? contentType = null) =>
        [.. Parse(body, contentType).Select(a => a.Paper)];

    /// <summary>What one item says, whichever format it came in.</summary>
    private sealed record RawItem(
        string? Guid, string? Title, string? Link, string? Description, IReadOnlyList<string> Categories,
        string? Date, string? AnnounceType, string? Doi, IReadOnlyList<string> Creators);

    private static RawItem FromRss(XElement item) => new(
        Guid: Text(item.Element("guid")),
        Title: Text(item.Element("title")),
        Link: Text(item.Element("link")),
        Description: item.Element("description")?.Value,
        Categories: [.. item.Elements("category").Select(Text).OfType<string>()],
        Date: Text(item.Element("pubDate")),
        AnnounceType: Text(item.Element(Arxiv + "announce_type")),
        Doi: ArxivXml.Doi(item),
        Creators: [.. item.Elements(Dc + "creator").Select(Text).OfType<string>()]);

    // No Atom listing was found recorded; this follows the RSS items' elements inside Atom entries
    // (id = the oai guid, summary = the description), and takes authors from atom:author or dc:creator.
    private static RawItem FromAtom(XElement entry) => new(
        Guid: Text(entry.Element(Atom + "id")),
        Title: Text(entry.Element(Atom + "title")),
        Link: entry.Elements(Atom + "link")
            .Where(l => ((string?)l.Attribute("rel") ?? "alternate") == "alternate")
            .Select(l => (string?)l.Attribute("href")).FirstOrDefault(h => !string.IsNullOrWhiteSpace(h)),
        Description: (entry.Element(Atom + "summary") ?? entry.Element(Atom + "content"))?.Value,
        Categories: [.. entry.Elements(Atom + "category").Select(c => (string?)c.Attribute("term")).OfType<string>()],
        Date: Text(entry.Element(Atom + "published")) ?? Text(entry.Element(Atom + "updated")),
        AnnounceType: Text(entry.Element(Arxiv + "announce_type")),
        Doi: ArxivXml.Doi(entry),
        Creators: [.. entry.Elements(Atom + "author").Select(a => Text(a.Element(Atom + "name")))
            .Concat(entry.Elements(Dc + "creator").Select(Text)).OfType<string>()]);

    private static ArxivAnnouncement? ToAnnouncement(RawItem raw)
    {
        var description = raw.Description is null ? Match.Empty : Description().Match(raw.Description);
        var announceType = (raw.AnnounceType ?? (description.Success ? description.Groups["type"].Value : null))?.ToLowerInvariant() ?? "unknown";
        var abstractText = description.Success ? description.Groups["abstract"].Value : raw.Description;

        // The guid (oai:arXiv.org:2504.17830v2) is the one place with the version; the link has none.
        var id = ArxivIdOf(raw.Guid, description.Success ? description.Groups["id"].Value : null, raw.Link);

        // The external id has no version: v1 (new) and v2 (replace) are the same paper seen twice by this source.
        var externalId = id?.Id ?? raw.Guid ?? raw.Link;
        var title = ArxivXml.Collapse(raw.Title);
        if (externalId is null && title is null)
        {
            return null;
        }

        var date = FeedDates.Parse(raw.Date);
        var replacement = announceType.StartsWith("replace", StringComparison.Ordinal);
        var paper = new DiscoveredPaper
        {
            ExternalId = externalId ?? title!,
            Title = title ?? externalId!,
            Abstract = ArxivXml.Collapse(abstractText),
            Authors = [.. raw.Creators.SelectMany(ArxivAuthors.Split)],
            Categories = [.. raw.Categories.Select(c => c.Trim()).Distinct(StringComparer.Ordinal)],
            ArxivId = id?.ToString(),
            Version = id?.Version,
            Doi = raw.Doi,

            // The date is the announcement's. For a replacement that is when the new version came out, not when
            // the paper did: as PublishedAt it would be stored for good if this were the paper's first sighting.
            PublishedAt = replacement ? null : date,
            UpdatedAt = replacement ? date : null,
            Links = new PaperLinks
            {
                Abstract = raw.Link?.Trim() ?? (id is { } a ? $"https://arxiv.org/abs/{a.Id}" : null),
                Pdf = id is { } p ? $"https://arxiv.org/pdf/{p.Id}" : null,
            },
        };
        return new ArxivAnnouncement(announceType, paper);
    }

    /// <summary>The first arXiv id among <paramref name="candidates"/>, with the version of a later one for the same paper if it has none.</summary>
    private static ArxivId? ArxivIdOf(params string?[] candidates)
    {
        ArxivId? found = null;
        foreach (var candidate in candidates)
        {
            if (PaperIdentity.TryParseArxiv(candidate, out var parsed) && (found is null || (found.Value.Version is null && parsed.Id == found.Value.Id)))
            {
                found = found is null || parsed.Version is not null ? parsed : found;
            }
        }

        return found;
    }

    private static string? Text(XElement? element) => string.IsNullOrWhiteSpace(element?.Value) ? null : element.Value.Trim();
}
