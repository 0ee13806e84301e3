using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.Arxiv;

/// <summary>
/// One of arXiv's daily listings by URL: <c>https://rss.arxiv.org/rss/cs.AI+cs.LG</c> or <c>/atom/…</c>.
/// New papers, cross-lists and replacements (a replacement carries its new version, so the store records a
/// revision). No checkpoint: a listing holds one announcement day, conditional GET saves the work when it has
/// not changed, and deduplication is the store's job.
/// </summary>
public sealed class ArxivRssSource : IPaperSource
{
    public string Type => "arxiv-rss";

    public async Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken)
    {
        var url = context.Url
            ?? throw new SourceException($"arxiv-rss: source '{context.SourceName}' has no Url; set it to a listing such as https://rss.arxiv.org/rss/cs.AI+cs.LG");
        var response = await context.GetAsync(url, cancellationToken);
        if (response.NotModified)
        {
            return FetchResult.Unchanged(checkpoint);
        }

        return new FetchResult(ArxivRssParser.ParsePapers(response.Body.Span, response.ContentType), checkpoint);
    }
}
