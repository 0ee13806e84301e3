using System.Globalization;
using System.Text;
using System.Text.Json;
using PaperFeed.Contracts;

namespace PaperFeed.Plugins.Crossref;

/// <summary>What one Crossref response held.</summary>
/// <param name="Papers">The works that have a DOI and a title, in the order given.</param>
/// <param name="NewestIndexed">The newest <c>indexed</c> time among all works, or null.</param>
/// <param name="Skipped">Works left out for lack of a DOI or a title.</param>
internal sealed record CrossrefPage(IReadOnlyList<DiscoveredPaper> Papers, DateTimeOffset? NewestIndexed, int Skipped);

/// <summary>
/// How to read Crossref: a <c>work-list</c> (<c>/works?query=…</c>) or a single <c>work</c> (<c>/works/{doi}</c>)
/// to <see cref="DiscoveredPaper"/>s. Lenient per field (a field of the wrong kind is treated as absent), strict
/// about the envelope (anything but <c>"status":"ok"</c> JSON is a <see cref="SourceException"/>).
/// </summary>
internal static class CrossrefParser
{
    // Most-specific first: "published" is Crossref's earliest of print and online.
    private static readonly string[] PublishedFields = ["published", "published-online", "published-print", "issued"];

    public static CrossrefPage Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new SourceException($"crossref: the response is not JSON ({Describe(body)}); check the source's Url points at the Crossref REST API (/works)", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SourceException($"crossref: expected a JSON object with status and message, got a JSON {root.ValueKind.ToString().ToLowerInvariant()}");
            }

            var status = String(root, "status");
            if (!string.Equals(status, "ok", StringComparison.OrdinalIgnoreCase))
            {
                throw new SourceException($"crossref: the API answered status '{status ?? "(none)"}': {ErrorMessages(root)}");
            }

            if (!root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
            {
                throw new SourceException("crossref: the response has no message object");
            }

            var messageType = String(root, "message-type");
            IEnumerable<JsonElement> works = messageType switch
            {
                "work-list" => Items(message),
                "work" => [message],
                null when message.TryGetProperty("items", out _) => Items(message),
                null when message.TryGetProperty("DOI", out _) => [message],
                _ => throw new SourceException($"crossref: expected works, got message-type '{messageType ?? "(none)"}'; the Url must be a /works route"),
            };

            var papers = new List<DiscoveredPaper>();
            DateTimeOffset? newest = null;
            var skipped = 0;
            foreach (var work in works)
            {
                if (work.ValueKind != JsonValueKind.Object)
                {
                    skipped++;
                    continue;
                }

                // Every work counts towards the checkpoint, even one skipped: it was seen, and asking again won't fix it.
                if (Indexed(work) is { } indexed && (newest is null || indexed > newest))
                {
                    newest = indexed;
                }

                if (Work(work) is { } paper)
                {
                    papers.Add(paper);
                }
                else
                {
                    skipped++;
                }
            }

            return new CrossrefPage(papers, newest, skipped);
        }
    }

    private static IEnumerable<JsonElement> Items(JsonElement message) =>
        message.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().ToList()
            : throw new SourceException("crossref: the work-list has no items array");

    private static DiscoveredPaper? Work(JsonElement work)
    {
        var doi = String(work, "DOI")?.Trim();
        var title = CrossrefText.Plain(First(work, "title")) ?? CrossrefText.Plain(First(work, "original-title"));
        if (string.IsNullOrEmpty(doi) || title is null)
        {
            return null;
        }

        return new DiscoveredPaper
        {
            ExternalId = doi,
            Doi = doi,
            Title = title,
            Abstract = CrossrefText.Plain(String(work, "abstract")),
            Authors = Authors(work),
            Categories = Strings(work, "subject").Select(CrossrefText.Plain).OfType<string>().Distinct(StringComparer.Ordinal).ToList(),
            PublishedAt = PublishedFields.Select(f => PartialDate(work, f)).FirstOrDefault(d => d is not null),
            UpdatedAt = DateTime(work, "deposited"),
            Links = new PaperLinks { Abstract = String(work, "URL"), Pdf = PdfLink(work) },
        };
    }

    private static List<string> Authors(JsonElement work)
    {
        var authors = new List<string>();
        if (!work.TryGetProperty("author", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return authors;
        }

        foreach (var author in list.EnumerateArray())
        {
            if (author.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            // People have given/family (given is often missing); organisations have name.
            var person = string.Join(' ', new[] { String(author, "given"), String(author, "family") }.Select(CrossrefText.Plain).OfType<string>());
            var name = person.Length > 0 ? person : CrossrefText.Plain(String(author, "name"));
            if (!string.IsNullOrEmpty(name))
            {
                authors.Add(name);
            }
        }

        return authors;
    }

    private static string? PdfLink(JsonElement work)
    {
        if (!work.TryGetProperty("link", out var links) || links.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return links.EnumerateArray()
            .Where(l => l.ValueKind == JsonValueKind.Object && string.Equals(String(l, "content-type")?.Trim(), "application/pdf", StringComparison.OrdinalIgnoreCase))
            .Select(l => String(l, "URL"))
            .FirstOrDefault(u => !string.IsNullOrWhiteSpace(u));
    }

    /// <summary><c>indexed.date-time</c>, else <c>indexed.timestamp</c> (milliseconds).</summary>
    private static DateTimeOffset? Indexed(JsonElement work)
    {
        if (DateTime(work, "indexed") is { } dateTime)
        {
            return dateTime;
        }

        return work.TryGetProperty("indexed", out var indexed) && indexed.ValueKind == JsonValueKind.Object
            && indexed.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out var ms)
            && ms is > 0 and < 253402300799999
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }

    private static DateTimeOffset? DateTime(JsonElement work, string field) =>
        work.TryGetProperty(field, out var date) && date.ValueKind == JsonValueKind.Object
        && String(date, "date-time") is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;

    /// <summary><c>{"date-parts":[[y,m,d]]}</c>, where month and day may be missing (then the 1st) and the year may be null.</summary>
    private static DateTimeOffset? PartialDate(JsonElement work, string field)
    {
        if (!work.TryGetProperty(field, out var date) || date.ValueKind != JsonValueKind.Object
            || !date.TryGetProperty("date-parts", out var parts) || parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() == 0)
        {
            return null;
        }

        var first = parts[0];
        if (first.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var numbers = new List<int>(3);
        foreach (var part in first.EnumerateArray())
        {
            // Some deposits write the parts as strings ("2019"); null ends what is known.
            if (part.ValueKind == JsonValueKind.Number && part.TryGetInt32(out var n))
            {
                numbers.Add(n);
            }
            else if (part.ValueKind == JsonValueKind.String && int.TryParse(part.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s))
            {
                numbers.Add(s);
            }
            else
            {
                break;
            }

            if (numbers.Count == 3)
            {
                break;
            }
        }

        if (numbers.Count == 0)
        {
            return null;
        }

        var year = numbers[0];
        var month = numbers.Count > 1 ? numbers[1] : 1;
        var day = numbers.Count > 2 ? numbers[2] : 1;
        if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > System.DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        return new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero);
    }

    private static string ErrorMessages(JsonElement root)
    {
        if (!root.TryGetProperty("message", out var message))
        {
            return "no message";
        }

        // Validation failures: "message":[{"type":…,"value":…,"message":…}]; other failures: a string.
        var texts = message.ValueKind switch
        {
            JsonValueKind.String => [message.GetString() ?? ""],
            JsonValueKind.Array => message.EnumerateArray()
                .Select(m => m.ValueKind == JsonValueKind.Object ? String(m, "message") ?? String(m, "type") : m.ValueKind == JsonValueKind.String ? m.GetString() : null)
                .OfType<string>()
                .ToList(),
            JsonValueKind.Object => [String(message, "message") ?? String(message, "type") ?? message.GetRawText()],
            _ => [],
        };
        var joined = string.Join("; ", texts.Where(t => t.Length > 0));
        return joined.Length == 0 ? "no message" : Clip(joined, 300);
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The first string of an array field; a plain string is accepted too (some deposits are not arrays).</summary>
    private static string? First(JsonElement element, string name) => Strings(element, name).FirstOrDefault(s => !string.IsNullOrWhiteSpace(s));

    private static IEnumerable<string> Strings(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return [];
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList(),
            _ => [],
        };
    }

    private static string Describe(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return "the body is empty";
        }

        var head = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 200)]).Trim();
        var kind = head.StartsWith('<') ? "an HTML or XML page" : "text";
        return $"{kind} starting '{Clip(string.Join(' ', head.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)), 80)}'";
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
