using System.Text.Json;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>Items of a JSON Feed 1.0 (singular <c>author</c>) or 1.1 (<c>authors</c>) document.</summary>
internal static class JsonFeedReader
{
    /// <summary>True when the root object declares a jsonfeed.org version.</summary>
    public static bool IsJsonFeed(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && Str(root, "version") is { } version
        && version.Contains("jsonfeed.org/version/", StringComparison.OrdinalIgnoreCase);

    public static IEnumerable<FeedItem> Read(JsonElement root, Uri? baseUri)
    {
        var anchor = baseUri ?? FeedItem.AbsoluteUri(Str(root, "home_page_url"), null) ?? FeedItem.AbsoluteUri(Str(root, "feed_url"), null);
        var feedAuthors = Authors(root).ToList();
        if (!root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var item in items.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
        {
            var url = Str(item, "url");
            var externalUrl = Str(item, "external_url");
            var result = new FeedItem
            {
                // Ids are strings by the spec; some producers write numbers.
                Id = Str(item, "id") ?? (item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number ? id.GetRawText() : null),
                Title = Str(item, "title"),
                Summary = Str(item, "summary"),
                Content = Str(item, "content_html") ?? Str(item, "content_text"),
                RawLink = url ?? externalUrl,
                Link = FeedItem.Absolute(url ?? externalUrl, anchor),
                PublishedAt = FeedDates.Parse(Str(item, "date_published")),
                UpdatedAt = FeedDates.Parse(Str(item, "date_modified")),
            };

            // An item without authors has the feed's (JSON Feed 1.1, "authors").
            var authors = Authors(item).ToList();
            result.Authors.AddRange(authors.Count > 0 ? authors : feedAuthors);
            if (item.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array)
            {
                result.Categories.AddRange(tags.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
            }

            result.AddLink(FeedItem.Absolute(externalUrl, anchor), null);
            if (item.TryGetProperty("attachments", out var attachments) && attachments.ValueKind == JsonValueKind.Array)
            {
                foreach (var attachment in attachments.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.Object))
                {
                    result.AddLink(FeedItem.Absolute(Str(attachment, "url"), anchor), Str(attachment, "mime_type"));
                }
            }

            yield return result;
        }
    }

    /// <summary>"authors" (1.1) or "author" (1.0) names.</summary>
    private static IEnumerable<string> Authors(JsonElement parent)
    {
        if (parent.TryGetProperty("authors", out var authors) && authors.ValueKind == JsonValueKind.Array)
        {
            return authors.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.Object).Select(a => Str(a, "name")).OfType<string>().ToList();
        }

        return parent.TryGetProperty("author", out var author) && author.ValueKind == JsonValueKind.Object && Str(author, "name") is { } name
            ? [name]
            : [];
    }

    private static string? Str(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()
            : null;
}
