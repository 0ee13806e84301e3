using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;
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

/// <summary>Everything of one arXiv API response except its papers.</summary>
/// <param name="TotalResults">opensearch:totalResults, the number of matches of the query.</param>
/// <param name="StartIndex">opensearch:startIndex, the offset of the first entry.</param>
/// <param name="ItemsPerPage">opensearch:itemsPerPage, the page size arXiv applied.</param>
/// <param name="Error">arXiv's message when the response is its Atom error entry; null otherwise.</param>
/// <param name="Papers">Entries read as papers and handed over.</param>
public sealed record ArxivApiPageInfo(int? TotalResults, int? StartIndex, int? ItemsPerPage, string? Error, int Papers)
{
    public bool IsError => Error is not null;
}

/// <summary>
/// How to read an <c>arxiv-api</c> source: an Atom response of export.arxiv.org/api/query (the 2016 format with
/// per-element namespaces and the current one) to papers. Pure: no I/O, no state. Streams the document and
/// builds one small tree per entry, so a page of 2000 entries never exists as one tree, and the stream overload
/// holds neither the body nor its papers.
/// </summary>
public static partial class ArxivApiParser
{
    private const string Type = "arxiv-api";

    private static readonly XNamespace Atom = ArxivXml.AtomNs;
    private static readonly XNamespace Arxiv = ArxivXml.ArxivNs;

    // SafeXml's policy, as ArxivXml reads; the body is the caller's to close. Raw control characters are removed by
    // BodyStream as SafeXml.Open removes them from text; referenced ones (&#1;) stay an error, as they always were here.
    private static readonly XmlReaderSettings StreamSettings = Streaming(SafeXml.Settings(ignoreWhitespace: true));

    private static XmlReaderSettings Streaming(XmlReaderSettings settings)
    {
        settings.CloseInput = false;
        return settings;
    }

    /// <summary>Reads one response body; the papers are collected in a list.</summary>
    /// <exception cref="SourceException">The body is empty, malformed or not an Atom feed.</exception>
    public static ArxivApiPage Parse(ReadOnlySpan<byte> body, string? contentType = null)
    {
        var papers = new List<DiscoveredPaper>();

        // UTF-8 that names no other encoding (what arXiv sends) is streamed: the XmlReader decodes it exactly as
        // FeedEncoding would. Anything else keeps FeedEncoding's decoding (declaration, charset, windows-1252).
        var info = IsPlainUtf8(body, contentType)
            ? Parse(new MemoryStream(body.ToArray(), writable: false), contentType, papers.Add)
            : ArxivXml.Read(Type, body, contentType, reader => Read(reader, papers.Add));

        return info.Error is not null
            ? new ArxivApiPage([], info.TotalResults, info.StartIndex, info.ItemsPerPage, info.Error)
            : new ArxivApiPage(papers, info.TotalResults, info.StartIndex, info.ItemsPerPage);
    }

    /// <summary>
    /// Reads a response from <paramref name="body"/>, handing each paper to <paramref name="onPaper"/> as soon as
    /// it is read: one entry at a time is held in memory, whatever the page's size.
    /// </summary>
    /// <remarks>
    /// Unlike the span overload, the encoding is the XmlReader's: byte order mark, then the XML declaration, else
    /// UTF-8 (arXiv always sends UTF-8). The Content-Type charset is not consulted and there is no windows-1252
    /// fallback, so invalid UTF-8 is a malformed-XML <see cref="SourceException"/>; a UTF-16 body is read without
    /// the empty/not-XML checks or control-character removal. Papers before an error entry (arXiv sends it alone)
    /// are handed over before <see cref="ArxivApiPageInfo.Error"/> says so. An exception of
    /// <paramref name="onPaper"/> propagates as is.
    /// </remarks>
    /// <exception cref="SourceException">The body is empty, malformed or not an Atom feed.</exception>
    public static ArxivApiPageInfo Parse(Stream body, string? contentType, Action<DiscoveredPaper> onPaper)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(onPaper);
        _ = contentType; // Kept for symmetry with the span overload; see remarks.

        void Hand(DiscoveredPaper paper)
        {
            try
            {
                onPaper(paper);
            }
            catch (Exception ex)
            {
                throw new CallbackException(ex);
            }
        }

        try
        {
            return ArxivXml.Guard(Type, () =>
            {
                using var filtered = new BodyStream(body);
                switch (filtered.Start())
                {
                    case BodyStart.Empty:
                        throw new SourceException($"{Type}: the response body is empty; check the source's Url");
                    case BodyStart.NotXml:
                        throw new SourceException($"{Type}: the response is not XML (it starts with '{ArxivXml.Head(filtered.HeadText())}'); check the source's Url");
                }

                using var reader = SafeXml.Create(SafeXml.WithoutControlCharacters(filtered), StreamSettings);
                return Read(reader, Hand);
            },
            // The caller's exceptions, and a cancelled read of the body, are not the response's fault.
            passThrough: ex => ex is CallbackException or OperationCanceledException);
        }
        catch (CallbackException ex)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
            throw;
        }
    }

    private static ArxivApiPageInfo Read(XmlReader reader, Action<DiscoveredPaper> onPaper)
    {
        ArxivXml.ExpectRoot(Type, reader, ("feed", ArxivXml.AtomNs));
        var papers = 0;
        int? total = null, start = null, perPage = null;
        string? error = null;
        if (reader.IsEmptyElement)
        {
            return new ArxivApiPageInfo(total, start, perPage, error, papers);
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
                    papers++;
                    onPaper(paper);
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

        return new ArxivApiPageInfo(total, start, perPage, error, papers);
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
    /// <summary>
    /// True when FeedEncoding would decode <paramref name="body"/> as UTF-8 and an XmlReader over its bytes would
    /// too: valid UTF-8, no UTF-16 pattern, and neither the declaration nor the charset naming anything but UTF-8.
    /// </summary>
    private static bool IsPlainUtf8(ReadOnlySpan<byte> body, string? contentType)
    {
        if (body.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || body.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
            || body.StartsWith((ReadOnlySpan<byte>)[0x3C, 0x00]) || body.StartsWith((ReadOnlySpan<byte>)[0x00, 0x3C])
            || !Utf8.IsValid(body))
        {
            return false;
        }

        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return true;
        }

        var head = Encoding.Latin1.GetString(body[..Math.Min(body.Length, 512)]);
        return IsUtf8Name(XmlDeclarationEncoding().Match(head))
            && (contentType is null || IsUtf8Name(ContentTypeCharset().Match(contentType)));
    }

    private static bool IsUtf8Name(Match match) =>
        !match.Success || match.Groups["name"].Value.ToLowerInvariant() is "utf-8" or "utf8";

    // FeedEncoding's patterns: where it would look for an encoding name, this checks there is none but UTF-8.
    [GeneratedRegex(@"^\s*<\?xml[^>]*?\sencoding\s*=\s*[""']\s*(?<name>[A-Za-z0-9._:\-]+)\s*[""']", RegexOptions.CultureInvariant)]
    private static partial Regex XmlDeclarationEncoding();

    [GeneratedRegex(@"charset\s*=\s*[""']?(?<name>[A-Za-z0-9._:\-]+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ContentTypeCharset();

    /// <summary>Carries an exception of the caller's callback past the parser's own error handling.</summary>
    private sealed class CallbackException(Exception inner) : Exception(inner.Message, inner);

    private enum BodyStart
    {
        Xml,
        Empty,
        NotXml,
    }

    /// <summary>
    /// The body with leading byte order marks and whitespace dropped (an XML declaration must come first), and
    /// its first bytes kept to tell an empty or non-XML body apart; a UTF-16 body starts with its byte order mark
    /// and is passed on as it is.
    /// </summary>
    private sealed class BodyStream(Stream inner) : ReadOnlyStream
    {
        private const int HeadBytes = 80;

        private byte[] _head = [];
        private int _headOffset;

        /// <summary>Reads up to the first significant byte and says what the body starts with.</summary>
        public BodyStart Start()
        {
            var buffer = new byte[4096];
            var length = 0;
            var skip = 0;
            var dropped = 0L;
            while (true)
            {
                if (length == buffer.Length)
                {
                    // Only whitespace so far: forget it.
                    Array.Copy(buffer, skip, buffer, 0, length - skip);
                    dropped += skip;
                    length -= skip;
                    skip = 0;
                }

                var n = inner.Read(buffer, length, buffer.Length - length);
                if (n == 0)
                {
                    break;
                }

                length += n;
                if (length >= 2 && dropped == 0 && ((buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF)))
                {
                    _head = buffer[..length];
                    return BodyStart.Xml;
                }

                while (skip < length)
                {
                    if (buffer[skip] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                    {
                        skip++;
                    }
                    else if (buffer[skip] == 0xEF)
                    {
                        if (length - skip < 3)
                        {
                            break;
                        }

                        if (buffer[skip + 1] != 0xBB || buffer[skip + 2] != 0xBF)
                        {
                            goto found;
                        }

                        skip += 3;
                    }
                    else
                    {
                        goto found;
                    }
                }
            }

            if (skip >= length)
            {
                return BodyStart.Empty;
            }

            found:
            // Enough bytes for the 20 characters a "not XML" message quotes.
            while (length - skip < HeadBytes)
            {
                if (length == buffer.Length)
                {
                    Array.Copy(buffer, skip, buffer, 0, length - skip);
                    length -= skip;
                    skip = 0;
                }

                var n = inner.Read(buffer, length, buffer.Length - length);
                if (n == 0)
                {
                    break;
                }

                length += n;
            }

            _head = buffer[skip..length];
            return _head[0] == (byte)'<' ? BodyStart.Xml : BodyStart.NotXml;
        }

        public string HeadText() => Encoding.UTF8.GetString(_head, 0, Math.Min(_head.Length, HeadBytes));

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_headOffset < _head.Length)
            {
                var n = Math.Min(buffer.Length, _head.Length - _headOffset);
                _head.AsSpan(_headOffset, n).CopyTo(buffer);
                _headOffset += n;
                return n;
            }

            return inner.Read(buffer);
        }

    }
}
