using System.Runtime.InteropServices;
using System.Xml;
using System.Xml.Linq;
using PaperFeed.Contracts;
using PaperFeed.Worker.Sources.Feed;

namespace PaperFeed.Worker.Sources.ArxivOai;

/// <summary>An OAI-PMH <c>&lt;error code="…"&gt;</c>: the repository's answer instead of records.</summary>
public sealed record OaiError(string Code, string Message);

/// <summary>Everything of one OAI-PMH response except its papers.</summary>
public sealed record OaiPageInfo
{
    public DateTimeOffset? ResponseDate { get; init; }

    /// <summary>The token that asks for the next page; null when the list is complete (token absent or empty).</summary>
    public string? ResumptionToken { get; init; }

    /// <summary>The resumptionToken's <c>completeListSize</c>: records in the whole list, when the repository says.</summary>
    public long? CompleteListSize { get; init; }

    /// <summary>The resumptionToken's <c>cursor</c>: records of the list before this page, when the repository says.</summary>
    public long? Cursor { get; init; }

    /// <summary>The first <c>&lt;error&gt;</c> of the response, if it has one.</summary>
    public OaiError? Error { get; init; }

    /// <summary>Records read as papers.</summary>
    public int Papers { get; init; }

    /// <summary>Records whose header says <c>status="deleted"</c>: skipped (they carry no metadata to store).</summary>
    public int Deleted { get; init; }

    /// <summary>Records without readable metadata (an unknown metadata format, or no title): skipped.</summary>
    public int Skipped { get; init; }

    /// <summary>Every record of the page, as <c>completeListSize</c> and <c>cursor</c> count them.</summary>
    public int Records => Papers + Deleted + Skipped;
}

/// <summary>One OAI-PMH page: its papers and the rest.</summary>
public sealed record OaiPage(IReadOnlyList<DiscoveredPaper> Papers, OaiPageInfo Info);

/// <summary>
/// How to read an arXiv OAI-PMH response (<c>ListRecords</c> or <c>GetRecord</c>, metadata formats <c>arXiv</c> and
/// <c>oai_dc</c>). Pure, and streaming: one <c>&lt;record&gt;</c> at a time is held in memory, so a page's size costs
/// nothing beyond the papers the caller keeps.
/// </summary>
public static class OaiParser
{
    internal static readonly XNamespace Oai = "http://www.openarchives.org/OAI/2.0/";

    // SafeXml's policy: no DTD is read, no entity expanded, nothing fetched. Characters XML forbids
    // (raw ones are dropped by SafeXml.WithoutControlCharacters, referenced ones let through by CheckCharacters = false) are
    // removed from the text instead: one stray control character in one abstract must not cost a page of a
    // thousand records.
    private static readonly XmlReaderSettings Settings = Streaming(SafeXml.Settings(ignoreWhitespace: true));

    private static XmlReaderSettings Streaming(XmlReaderSettings settings)
    {
        settings.CheckCharacters = false;
        settings.CloseInput = false;
        return settings;
    }

    /// <summary>Reads a whole response body; the papers are collected in a list.</summary>
    /// <exception cref="SourceException">The body is not a readable OAI-PMH response.</exception>
    public static OaiPage Parse(ReadOnlyMemory<byte> body)
    {
        using var stream = MemoryMarshal.TryGetArray(body, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(body.ToArray(), writable: false);
        var papers = new List<DiscoveredPaper>();
        var info = Parse(stream, papers.Add);
        return new OaiPage(papers, info);
    }

    /// <summary>Reads a response from <paramref name="body"/>, handing each paper to <paramref name="onPaper"/> as soon as it is read.</summary>
    /// <exception cref="SourceException">The body is not a readable OAI-PMH response.</exception>
    public static OaiPageInfo Parse(Stream body, Action<DiscoveredPaper> onPaper)
    {
        try
        {
            return Read(body, onPaper);
        }
        catch (XmlException ex)
        {
            throw new SourceException($"arxiv-oai: malformed XML at line {ex.LineNumber}, position {ex.LinePosition}: {ex.Message}", ex);
        }
    }

    private static OaiPageInfo Read(Stream body, Action<DiscoveredPaper> onPaper)
    {
        using var filtered = SafeXml.WithoutControlCharacters(body);
        using var reader = SafeXml.Create(filtered, Settings);
        if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "OAI-PMH" || reader.NamespaceURI != Oai.NamespaceName)
        {
            throw new SourceException($"arxiv-oai: the response is not OAI-PMH (its root element is <{reader.Name}>); check the source's Url");
        }

        var info = new OaiPageInfo();
        int papers = 0, deleted = 0, skipped = 0;
        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NodeType != XmlNodeType.Element || reader.NamespaceURI != Oai.NamespaceName)
            {
                reader.Read();
                continue;
            }

            switch (reader.LocalName)
            {
                case "responseDate":
                    info = info with { ResponseDate = FeedDates.Parse(reader.ReadElementContentAsString()) };
                    break;
                case "request":
                    reader.Skip();
                    break;
                case "error":
                    var code = reader.GetAttribute("code") ?? "unknown";
                    var message = OaiRecord.Line(reader.ReadElementContentAsString()) ?? "";
                    info = info with { Error = info.Error ?? new OaiError(code, message) };
                    break;
                case "resumptionToken":
                    var size = Long(reader.GetAttribute("completeListSize"));
                    var cursor = Long(reader.GetAttribute("cursor"));
                    var token = reader.ReadElementContentAsString().Trim();
                    info = info with { ResumptionToken = token.Length == 0 ? null : token, CompleteListSize = size, Cursor = cursor };
                    break;
                case "record":
                    // One record in memory at a time: XNode.ReadFrom consumes exactly this element.
                    var record = (XElement)XNode.ReadFrom(reader);
                    switch (OaiRecord.Read(record, out var paper))
                    {
                        case OaiRecordKind.Paper:
                            papers++;
                            onPaper(paper!);
                            break;
                        case OaiRecordKind.Deleted:
                            deleted++;
                            break;
                        default:
                            skipped++;
                            break;
                    }

                    break;
                default:
                    // OAI-PMH, ListRecords, GetRecord: step inside.
                    reader.Read();
                    break;
            }
        }

        return info with { Papers = papers, Deleted = deleted, Skipped = skipped };
    }

    private static long? Long(string? value) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
}
