using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Sources.Feed;

namespace PaperFeed.Worker.Sources.HuggingFace;

/// <summary>One page of <c>/api/daily_papers</c> as read.</summary>
/// <param name="Papers">The items that could be read, in the order given.</param>
/// <param name="Items">How many elements the array had, readable or not: paging compares this with the limit.</param>
/// <param name="Skipped">Elements dropped for lacking an id or a title (or not being an object).</param>
public sealed record HuggingFacePage(IReadOnlyList<DiscoveredPaper> Papers, int Items, int Skipped);

/// <summary>
/// How to read a <c>huggingface</c> source: a <c>GET /api/daily_papers</c> body (a JSON array of
/// <c>{paper:{...}, title, publishedAt, numComments, ...}</c>) to papers. Pure: no I/O, no state.
/// </summary>
/// <remarks>
/// Only <c>paper.id</c> and a title are required. The 2024 shape lacks every 2025+ field (<c>ai_summary</c>,
/// <c>ai_keywords</c>, <c>githubRepo</c>, <c>projectPage</c>, <c>submittedOnDailyAt</c>, <c>organization</c>), and a
/// field of the wrong JSON type is dropped on its own: one odd field never costs the item, one odd item never
/// costs the page.
/// </remarks>
public static partial class HuggingFaceParser
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 64 };

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    /// <summary>The papers of one page.</summary>
    /// <exception cref="SourceException">The body is not a JSON array (HTML, an object, truncated JSON).</exception>
    public static IReadOnlyList<DiscoveredPaper> Parse(ReadOnlyMemory<byte> body) => ReadPage(body).Papers;

    /// <summary>The papers of one page, with the counts paging needs.</summary>
    /// <exception cref="SourceException">The body is not a JSON array (HTML, an object, truncated JSON).</exception>
    public static HuggingFacePage ReadPage(ReadOnlyMemory<byte> body)
    {
        var json = TrimStart(body);
        if (json.Length == 0)
        {
            throw new SourceException("huggingface: the body is empty (expected a JSON array of daily papers)");
        }

        if (json.Span[0] == (byte)'<')
        {
            // Error and login pages come back as HTML with status 200 often enough to name them.
            throw new SourceException($"huggingface: expected a JSON array of daily papers but got HTML or XML ({Preview(json)})");
        }

        // System.Text.Json reads invalid UTF-8 inside a string without complaint and throws only when the string is
        // read. The API sends UTF-8; a broken sequence in one field is replaced (U+FFFD), as any decoder does, rather
        // than costing the page.
        if (!Utf8.IsValid(json.Span))
        {
            json = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json.Span));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new SourceException($"huggingface: malformed JSON at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                // The API answers {"error": "..."} for a bad date or limit; say what it said.
                var said = root.ValueKind == JsonValueKind.Object && Readable(() => Text(root, "error")) is { } error ? $": \"{Shorten(error)}\"" : "";
                throw new SourceException($"huggingface: expected a JSON array of daily papers but got a JSON {Kind(root.ValueKind)}{said}");
            }

            var papers = new List<DiscoveredPaper>(root.GetArrayLength());
            var skipped = 0;
            foreach (var item in root.EnumerateArray())
            {
                if (Readable(() => ReadItem(item)) is { } paper)
                {
                    papers.Add(paper);
                }
                else
                {
                    skipped++;
                }
            }

            return new HuggingFacePage(papers, root.GetArrayLength(), skipped);
        }
    }

    private static DiscoveredPaper? ReadItem(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // Daily papers nest the arXiv record under "paper"; /api/papers answers the record itself.
        var paper = item.TryGetProperty("paper", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : item;
        var rawId = Id(paper);

        // The top-level title is the one-line form; paper.title keeps arXiv's hard line breaks.
        var title = OneLine(Text(item, "title")) ?? OneLine(Text(paper, "title"));
        if (rawId is null || title is null)
        {
            return null;
        }

        var isArxiv = PaperIdentity.TryParseArxiv(rawId, out var arxiv);
        return new DiscoveredPaper
        {
            ExternalId = rawId,
            Title = title,
            Abstract = OneLine(Text(paper, "summary")),
            Authors = Authors(paper),
            Keywords = Keywords(paper),
            Summary = OneLine(Text(paper, "ai_summary")),
            ArxivId = isArxiv ? rawId : null,

            // paper.publishedAt is the arXiv time; the top-level publishedAt (and submittedOnDailyAt) is when the
            // paper entered Daily Papers, which says nothing about the paper itself, so neither stands in for it.
            PublishedAt = FeedDates.Parse(Text(paper, "publishedAt")),
            WithdrawnAt = FeedDates.Parse(Text(paper, "withdrawnAt")),
            Links = new PaperLinks
            {
                Abstract = isArxiv ? $"https://arxiv.org/abs/{arxiv}" : null,
                Pdf = isArxiv ? $"https://arxiv.org/pdf/{arxiv}" : null,
                Code = WebUrl(Text(paper, "githubRepo")),
                Project = WebUrl(Text(paper, "projectPage")),
            },
            Metrics = new PaperMetrics
            {
                Upvotes = Count(paper, "upvotes"),
                Comments = Count(item, "numComments") ?? Count(paper, "numComments"),
                GithubStars = Count(paper, "githubStars"),
            },
        };
    }

    /// <summary>paper.id as a string; a number is taken by its literal text so that "2410.10" keeps its zero.</summary>
    private static string? Id(JsonElement paper)
    {
        if (!paper.TryGetProperty("id", out var id))
        {
            return null;
        }

        var s = id.ValueKind switch
        {
            JsonValueKind.String => StringOf(id),
            JsonValueKind.Number => id.GetRawText(),
            _ => null,
        };
        return string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    }

    /// <summary>
    /// Every author name in the order given, hidden ones included: the list comes from arXiv, and
    /// <c>hidden</c> only hides an entry on the Hugging Face page. Dropping one would change the first author
    /// (part of the title identity key) and disagree with every other source of the same paper.
    /// </summary>
    private static List<string> Authors(JsonElement paper)
    {
        if (!paper.TryGetProperty("authors", out var authors) || authors.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var names = new List<string>(authors.GetArrayLength());
        foreach (var author in authors.EnumerateArray())
        {
            var name = author.ValueKind switch
            {
                JsonValueKind.Object => Text(author, "name"),
                JsonValueKind.String => StringOf(author),
                _ => null,
            };
            if (OneLine(name) is { } clean)
            {
                names.Add(clean);
            }
        }

        return names;
    }

    private static List<string> Keywords(JsonElement paper)
    {
        if (!paper.TryGetProperty("ai_keywords", out var keywords) || keywords.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<string>();
        foreach (var keyword in keywords.EnumerateArray())
        {
            if (keyword.ValueKind == JsonValueKind.String && OneLine(StringOf(keyword)) is { } clean && seen.Add(clean))
            {
                result.Add(clean);
            }
        }

        return result;
    }

    /// <summary>A non-negative whole number, or null for anything else (a string, a fraction, null).</summary>
    private static int? Count(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 0
            ? n
            : null;

    private static string? Text(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? StringOf(value) : null;

    /// <summary>
    /// What <paramref name="read"/> reads, or null where System.Text.Json cannot turn the JSON into text: a property
    /// name with an escaped lone surrogate (<c>"\ud800"</c>) is valid JSON syntax that throws when names are compared.
    /// Such an item is skipped, as one without an id is.
    /// </summary>
    private static T? Readable<T>(Func<T?> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// A JSON string's text, or null for one that has none: an escaped lone surrogate (<c>"\ud800"</c>) is valid JSON
    /// syntax that System.Text.Json cannot turn into a string, and throws for. The field is dropped, as a field of the
    /// wrong type is.
    /// </summary>
    private static string? StringOf(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whitespace (arXiv's hard wraps included) collapsed to single spaces. Nothing else: the API sends plain
    /// text, so markup-looking text such as "&lt;think&gt; tokens" in a title is kept, not stripped as HTML.
    /// </summary>
    private static string? OneLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Whitespace().Replace(text, " ").Trim();
    }

    private static string? WebUrl(string? text) =>
        Uri.TryCreate(text?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.AbsoluteUri
            : null;

    private static ReadOnlyMemory<byte> TrimStart(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        var start = span.StartsWith("\uFEFF"u8) ? 3 : 0;
        while (start < span.Length && span[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        return body[start..];
    }

    private static string Preview(ReadOnlyMemory<byte> body)
    {
        var head = Encoding.UTF8.GetString(body.Span[..Math.Min(body.Length, 200)]);
        return $"starts with \"{Shorten(head, 40)}\"";
    }

    private static string Shorten(string text, int max = 200)
    {
        var s = Whitespace().Replace(text, " ").Trim();
        return s.Length <= max ? s : s[..max] + "…";
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
