using PaperFeed.Contracts;

namespace PaperFeed.Plugins.Crossref;

/// <summary>
/// Works matching a Crossref query (<c>https://api.crossref.org/works?query=…</c>), newest first. The checkpoint
/// is the newest <c>indexed</c> time seen, so each poll asks only for what Crossref indexed since the last one.
/// </summary>
/// <remarks>
/// Options: <c>Query</c> (required), <c>Filter</c> (a raw Crossref filter, e.g. <c>type:journal-article</c>),
/// <c>Rows</c> (1–1000, default 50), <c>Mailto</c> (joins Crossref's polite pool). The source's Url replaces
/// <c>https://api.crossref.org/works</c>.
/// </remarks>
public sealed class CrossrefSource : IPaperSource
{
    /// <inheritdoc />
    public string Type => "crossref";

    /// <inheritdoc />
    public async Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);

        var options = CrossrefOptions.Read(context);
        var since = CrossrefCheckpoint.Read(checkpoint);
        if (checkpoint is not null && since is null)
        {
            context.Log($"crossref: ignoring unreadable checkpoint '{checkpoint}'; asking without from-index-date");
        }

        var response = await context.GetAsync(CrossrefRequest.Build(options, since), cancellationToken).ConfigureAwait(false);
        if (response.NotModified)
        {
            return FetchResult.Unchanged(checkpoint);
        }

        var page = CrossrefParser.Parse(response.Body.Span);
        if (page.Skipped > 0)
        {
            context.Log($"crossref: skipped {page.Skipped} work(s) without a DOI or a title");
        }

        // from-index-date has day precision, so the checkpoint's own day is asked for again: those works come
        // back as duplicates, which the store absorbs. Never move the checkpoint backwards.
        var next = page.NewestIndexed is { } newest && (since is null || newest > since)
            ? CrossrefCheckpoint.Format(newest)
            : checkpoint;
        return new FetchResult(page.Papers, next);
    }
}
