using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>
/// Any RSS 2.0, RSS 1.0 / 0.9 (RDF), Atom 1.0 or JSON Feed by URL. No checkpoint: a feed lists what it lists,
/// conditional GET saves the work when nothing changed, and deduplication is the store's job.
/// </summary>
public sealed class FeedSource : IPaperSource
{
    public string Type => "feed";

    public async Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken)
    {
        var url = context.Url ?? throw new SourceException($"feed: source '{context.SourceName}' has no Url");
        var response = await context.GetAsync(url, cancellationToken);
        if (response.NotModified)
        {
            return FetchResult.Unchanged(checkpoint);
        }

        return new FetchResult(FeedParser.Parse(response.Body.Span, response.ContentType, url), checkpoint);
    }
}
