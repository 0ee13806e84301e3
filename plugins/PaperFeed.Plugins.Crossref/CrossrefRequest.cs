using System.Globalization;
using System.Text;

namespace PaperFeed.Plugins.Crossref;

/// <summary>How to ask Crossref: the works query for one poll.</summary>
internal static class CrossrefRequest
{
    /// <summary>
    /// <c>?query=…&amp;sort=published&amp;order=desc&amp;rows=N[&amp;filter=from-index-date:D,Filter][&amp;mailto=…]</c>,
    /// every value percent-encoded; a query string already on the base URL is kept in front.
    /// </summary>
    public static Uri Build(CrossrefOptions options, DateTimeOffset? since)
    {
        var query = new StringBuilder(options.BaseUri.Query.TrimStart('?'));
        Add(query, "query", options.Query);
        Add(query, "sort", "published");
        Add(query, "order", "desc");
        Add(query, "rows", options.Rows.ToString(CultureInfo.InvariantCulture));

        var filters = new List<string>(2);
        if (since is { } date)
        {
            // Indexed, not published: a work published long ago but deposited (or corrected) today is news too.
            filters.Add("from-index-date:" + date.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (options.Filter is { } filter)
        {
            filters.Add(filter);
        }

        if (filters.Count > 0)
        {
            Add(query, "filter", string.Join(',', filters));
        }

        if (options.Mailto is { } mailto)
        {
            Add(query, "mailto", mailto);
        }

        return new UriBuilder(options.BaseUri) { Query = query.ToString() }.Uri;
    }

    private static void Add(StringBuilder query, string name, string value)
    {
        if (query.Length > 0)
        {
            query.Append('&');
        }

        query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }
}
