using System.Globalization;
using PaperFeed.Contracts;

namespace PaperFeed.Plugins.Crossref;

/// <summary>A crossref source's options, checked.</summary>
internal sealed record CrossrefOptions(Uri BaseUri, string Query, string? Filter, int Rows, string? Mailto)
{
    public static readonly Uri DefaultBase = new("https://api.crossref.org/works");
    public const int DefaultRows = 50;
    public const int MaxRows = 1000; // Crossref's own limit per request

    public static CrossrefOptions Read(SourceContext context)
    {
        var query = Value(context, "Query")
            ?? throw new SourceException($"crossref: source '{context.SourceName}' needs the option Query (the search terms, e.g. Query=large language models)");

        var rows = DefaultRows;
        if (Value(context, "Rows") is { } rawRows
            && (!int.TryParse(rawRows, NumberStyles.None, CultureInfo.InvariantCulture, out rows) || rows < 1 || rows > MaxRows))
        {
            throw new SourceException($"crossref: source '{context.SourceName}' has Rows={rawRows}; use a whole number from 1 to {MaxRows}");
        }

        return new CrossrefOptions(context.Url ?? DefaultBase, query, Value(context, "Filter"), rows, Value(context, "Mailto"));
    }

    private static string? Value(SourceContext context, string key) =>
        context.Options.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
