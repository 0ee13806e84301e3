using System.Text;
using System.Xml.Linq;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Sources.Feed;

namespace PaperFeed.Worker.Sources.ArxivOai;

internal enum OaiRecordKind
{
    Paper,
    Deleted,
    Unreadable,
}

/// <summary>One OAI-PMH <c>&lt;record&gt;</c> in the <c>arXiv</c> or <c>oai_dc</c> metadata format, as a paper.</summary>
internal static class OaiRecord
{
    private static readonly XNamespace Oai = OaiParser.Oai;
    private static readonly XNamespace Arxiv = "http://arxiv.org/OAI/arXiv/";
    private static readonly XNamespace OaiDc = "http://www.openarchives.org/OAI/2.0/oai_dc/";
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";

    /// <summary>
    /// Reads a record. A deleted record is skipped rather than recorded as a withdrawal: it carries no metadata,
    /// so there is no title to publish it under (and arXiv withdraws papers as new versions, not deletions).
    /// </summary>
    public static OaiRecordKind Read(XElement record, out DiscoveredPaper? paper)
    {
        paper = null;
        var header = record.Element(Oai + "header");
        if ((string?)header?.Attribute("status") == "deleted")
        {
            return OaiRecordKind.Deleted;
        }

        var identifier = Line(header?.Element(Oai + "identifier")?.Value);
        var metadata = record.Element(Oai + "metadata")?.Elements().FirstOrDefault();
        if (identifier is null || metadata is null)
        {
            return OaiRecordKind.Unreadable;
        }

        paper = metadata.Name == Arxiv + "arXiv" ? FromArxiv(identifier, metadata)
            : metadata.Name == OaiDc + "dc" ? FromDublinCore(identifier, metadata)
            : null;
        return paper is null ? OaiRecordKind.Unreadable : OaiRecordKind.Paper;
    }

    /// <summary>metadataPrefix=arXiv: structured authors, arXiv category codes, created/updated dates, DOI.</summary>
    private static DiscoveredPaper? FromArxiv(string identifier, XElement arxiv)
    {
        var title = Line(arxiv.Element(Arxiv + "title")?.Value);
        if (title is null)
        {
            return null;
        }

        var id = BareArxivId(Line(arxiv.Element(Arxiv + "id")?.Value)) ?? BareArxivId(identifier);
        var authors = arxiv.Element(Arxiv + "authors")?.Elements(Arxiv + "author")
            .Select(a => Line(string.Join(' ', new[] { "forenames", "keyname", "suffix" }.Select(part => a.Element(Arxiv + part)?.Value))))
            .OfType<string>()
            .ToList() ?? [];

        // <doi> may hold several DOIs separated by spaces; the first one that reads as a DOI is the paper's.
        var doi = (Line(arxiv.Element(Arxiv + "doi")?.Value) ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => PaperIdentity.TryParseDoi(d, out var parsed) ? parsed : null)
            .FirstOrDefault(d => d is not null);

        return new DiscoveredPaper
        {
            ExternalId = identifier,
            ArxivId = id,
            Title = title,
            Abstract = Line(arxiv.Element(Arxiv + "abstract")?.Value),
            Authors = authors,
            Categories = (Line(arxiv.Element(Arxiv + "categories")?.Value) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
            Doi = doi,
            PublishedAt = FeedDates.Parse(arxiv.Element(Arxiv + "created")?.Value),
            UpdatedAt = FeedDates.Parse(arxiv.Element(Arxiv + "updated")?.Value),
            Links = Links(id),
        };
    }

    /// <summary>
    /// metadataPrefix=oai_dc: creators as "Family, Given", subjects as arXiv's human-readable names (kept as they
    /// are: "Computer Science - Computation and Language"), the abstract plus a "Comment:" description, and the
    /// dates of the first and the latest version.
    /// </summary>
    private static DiscoveredPaper? FromDublinCore(string identifier, XElement dc)
    {
        var title = Line(dc.Element(Dc + "title")?.Value);
        if (title is null)
        {
            return null;
        }

        var identifiers = dc.Elements(Dc + "identifier").Select(e => Line(e.Value)).OfType<string>().ToList();
        var id = identifiers.Select(BareArxivId).FirstOrDefault(i => i is not null) ?? BareArxivId(identifier);
        var doi = identifiers.Select(i => PaperIdentity.TryParseDoi(i, out var parsed) ? parsed : null).FirstOrDefault(d => d is not null);
        var dates = dc.Elements(Dc + "date").Select(e => FeedDates.Parse(e.Value)).OfType<DateTimeOffset>().ToList();

        return new DiscoveredPaper
        {
            ExternalId = identifier,
            ArxivId = id,
            Title = title,
            Abstract = dc.Elements(Dc + "description").Select(e => Line(e.Value)).OfType<string>()
                .FirstOrDefault(d => !d.StartsWith("Comment:", StringComparison.OrdinalIgnoreCase)),
            Authors = dc.Elements(Dc + "creator").Select(e => GivenFirst(Line(e.Value))).OfType<string>().ToList(),
            Categories = dc.Elements(Dc + "subject").Select(e => Line(e.Value)).OfType<string>().ToList(),
            Doi = doi,
            PublishedAt = dates.Count > 0 ? dates[0] : null,
            UpdatedAt = dates.Count > 1 ? dates[^1] : null,
            Links = Links(id),
        };
    }

    /// <summary>"Xie, Jiu-Cheng" as "Jiu-Cheng Xie", as the arXiv format gives it; anything else as it is.</summary>
    private static string? GivenFirst(string? creator)
    {
        if (creator is null)
        {
            return null;
        }

        var parts = creator.Split(',', StringSplitOptions.TrimEntries);
        return parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0 ? $"{parts[1]} {parts[0]}" : creator;
    }

    private static string? BareArxivId(string? value) =>
        PaperIdentity.TryParseArxiv(value, out var id) ? id.ToString() : null;

    private static PaperLinks Links(string? id) =>
        id is null ? new PaperLinks() : new PaperLinks { Abstract = $"https://arxiv.org/abs/{id}", Pdf = $"https://arxiv.org/pdf/{id}" };

    /// <summary>
    /// Text on one line: arXiv hard-wraps titles and abstracts (newline plus two spaces), so every run of
    /// whitespace becomes one space; control characters are dropped. Not HTML: "a &lt; b" in an abstract is maths.
    /// Null when nothing is left.
    /// </summary>
    public static string? Line(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = sb.Length > 0;
            }
            else if (!char.IsControl(c))
            {
                if (space)
                {
                    sb.Append(' ');
                    space = false;
                }

                sb.Append(c);
            }
        }

        return sb.Length == 0 ? null : sb.ToString();
    }
}
