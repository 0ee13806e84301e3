using System.Globalization;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.Arxiv;

/// <summary>
/// A search of the arXiv API (export.arxiv.org/api/query), newest submissions first. Options:
/// <c>SearchQuery</c> (required, arXiv's syntax, e.g. <c>cat:cs.CL AND abs:retrieval</c>), <c>PageSize</c>
/// (entries per request, default 100, at most 2000) and <c>MaxResults</c> (entries per poll, default 1000).
/// <c>Url</c>, when set, replaces the endpoint <see cref="DefaultEndpoint"/>. The checkpoint is an
/// <see cref="ArxivApiCheckpoint"/>: a poll pages back until it reaches it.
/// </summary>
/// <remarks>
/// The spacing arXiv asks for (one request per 3 s, one connection) is the HTTP client's job, per host, for
/// every source of the process; this class only decides which pages to ask for.
/// </remarks>
public sealed class ArxivApiSource : IPaperSource
{
    public const string DefaultEndpoint = "https://export.arxiv.org/api/query";
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 2000;
    public const int DefaultMaxResults = 1000;

    // arXiv refuses to page beyond 30000 results of one query.
    public const int MaxMaxResults = 30000;

    public string Type => "arxiv-api";

    public async Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken)
    {
        var settings = Settings.Read(context);
        var since = ArxivApiCheckpoint.Parse(checkpoint);
        if (checkpoint is not null && since is null)
        {
            // Failing every poll over a damaged checkpoint would stop the source for good; the store deduplicates.
            context.Log($"arxiv-api: ignoring the unreadable checkpoint '{checkpoint}'; fetching up to {settings.MaxResults} newest results");
        }

        var found = new List<DiscoveredPaper>();
        var seen = 0;
        var reachedCheckpoint = false;
        while (seen < settings.MaxResults)
        {
            var ask = Math.Min(settings.PageSize, settings.MaxResults - seen);

            SourceResponse response;
            try
            {
                response = await context.GetAsync(PageUri(settings.Endpoint, settings.SearchQuery, seen, ask), cancellationToken);
            }
            catch (SourceHttpException ex) when (ex.StatusCode == 400 && RejectionIn(ex) is { } rejection)
            {
                // arXiv answers a malformed query with HTTP 400 and says why in an Atom "Error" entry.
                throw new SourceException($"arxiv-api: arXiv rejected the query (HTTP 400): {rejection}; check the SearchQuery option ('{settings.SearchQuery}')", ex);
            }

            if (response.NotModified)
            {
                // This page is as it was when a successful poll read it: so is everything older. Nothing newer
                // has been submitted either, as new submissions would have shifted the page.
                reachedCheckpoint = true;
                break;
            }

            var page = ArxivApiParser.Parse(response.Body.Span, response.ContentType);
            if (page.Error is { } error)
            {
                throw new SourceException($"arxiv-api: arXiv rejected the query: {error}; check the SearchQuery option ('{settings.SearchQuery}')");
            }

            seen += page.Papers.Count;
            foreach (var paper in page.Papers)
            {
                if (since?.Covers(paper) == true)
                {
                    reachedCheckpoint = true;
                }
                else
                {
                    found.Add(paper);
                }
            }

            if (reachedCheckpoint || page.Papers.Count < ask || (page.TotalResults is { } total && seen >= total))
            {
                if (page.Papers.Count < ask && page.TotalResults is { } t && seen < t)
                {
                    context.Log($"arxiv-api: a page held {page.Papers.Count} of {ask} entries although {t} match; the next poll continues from the checkpoint");
                }

                break;
            }
        }

        if (since is not null && !reachedCheckpoint && seen >= settings.MaxResults)
        {
            context.Log($"arxiv-api: stopped at MaxResults={settings.MaxResults} before reaching the previous poll's newest paper ({since.Published:u}); papers in between are skipped, raise MaxResults or poll more often");
        }

        var next = ArxivApiCheckpoint.After(since, found);
        return new FetchResult(found, next?.ToString() ?? checkpoint);
    }

    /// <summary>arXiv's explanation in an error response, or null when the body is not its Atom error.</summary>
    private static string? RejectionIn(SourceHttpException ex)
    {
        try
        {
            return ArxivApiParser.Parse(ex.Body.Span, ex.ContentType).Error;
        }
        catch (SourceException)
        {
            return null;
        }
    }

    /// <summary>The request for one page: newest submissions first, <paramref name="count"/> entries from <paramref name="start"/>.</summary>
    public static Uri PageUri(Uri endpoint, string searchQuery, int start, int count)
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"search_query={Uri.EscapeDataString(searchQuery)}&sortBy=submittedDate&sortOrder=descending&start={start}&max_results={count}");
        return new UriBuilder(endpoint) { Query = query }.Uri;
    }

    private sealed record Settings(Uri Endpoint, string SearchQuery, int PageSize, int MaxResults)
    {
        public static Settings Read(SourceContext context)
        {
            var source = context.SourceName;
            var endpoint = context.Url ?? new Uri(DefaultEndpoint);
            if (!string.IsNullOrEmpty(endpoint.Query))
            {
                throw new SourceException($"arxiv-api: source '{source}': Url '{endpoint}' has a query string; set Url to the endpoint alone (e.g. {DefaultEndpoint}) and the search in the SearchQuery option");
            }

            if (!context.Options.TryGetValue("SearchQuery", out var searchQuery) || string.IsNullOrWhiteSpace(searchQuery))
            {
                throw new SourceException($"arxiv-api: source '{source}' has no SearchQuery; set the SearchQuery option to an arXiv query, e.g. 'cat:cs.CL AND abs:retrieval'");
            }

            return new Settings(
                endpoint,
                searchQuery.Trim(),
                Int(context, "PageSize", DefaultPageSize, MaxPageSize),
                Int(context, "MaxResults", DefaultMaxResults, MaxMaxResults));
        }

        private static int Int(SourceContext context, string option, int fallback, int max)
        {
            if (!context.Options.TryGetValue(option, out var raw) || string.IsNullOrWhiteSpace(raw))
            {
                return fallback;
            }

            return int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value is >= 1 && value <= max
                ? value
                : throw new SourceException($"arxiv-api: source '{context.SourceName}': {option} '{raw}' is not a whole number from 1 to {max}; fix or remove the {option} option");
        }
    }
}
