using System.Globalization;
using System.Text;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.ArxivOai;

/// <summary>
/// How to ask an OAI-PMH repository for records: the endpoint (the source's Url, else arXiv's), the metadata
/// format (option <c>MetadataPrefix</c>: <c>arXiv</c>, the default, or <c>oai_dc</c>) and the set (option <c>Set</c>,
/// e.g. <c>cs</c> or <c>physics:hep-th</c>).
/// </summary>
public sealed record OaiQuery(Uri Endpoint, string MetadataPrefix, string? Set)
{
    public static readonly Uri ArxivEndpoint = new("https://export.arxiv.org/oai2");

    private static readonly string[] Prefixes = ["arXiv", "oai_dc"];

    public static OaiQuery FromContext(SourceContext context)
    {
        var prefix = Option(context, "MetadataPrefix") ?? "arXiv";
        var known = Prefixes.FirstOrDefault(p => p.Equals(prefix, StringComparison.OrdinalIgnoreCase))
            ?? throw new SourceException($"arxiv-oai: MetadataPrefix '{prefix}' is not supported (use arXiv or oai_dc)");
        return new OaiQuery(context.Url ?? ArxivEndpoint, known, Option(context, "Set"));
    }

    /// <summary>A YYYY-MM-DD option (From, Until), or null when it is not set.</summary>
    public static DateOnly? DateOption(SourceContext context, string name)
    {
        var value = Option(context, name);
        if (value is null)
        {
            return null;
        }

        return ParseDate(value) ?? throw new SourceException($"arxiv-oai: {name} '{value}' is not a YYYY-MM-DD date");
    }

    public static DateOnly? ParseDate(string value) =>
        DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>
    /// The request for the next page of <paramref name="state"/>: the window's first page names format, set and
    /// dates; a follow-up carries only the resumptionToken, as OAI-PMH requires (any other argument is badArgument).
    /// </summary>
    public Uri ListRecords(OaiHarvestState state)
    {
        var query = new StringBuilder("verb=ListRecords");
        if (state.Token is { } token)
        {
            Append(query, "resumptionToken", token);
        }
        else
        {
            Append(query, "metadataPrefix", MetadataPrefix);
            Append(query, "set", Set);
            Append(query, "from", state.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Append(query, "until", state.Until?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        var builder = new UriBuilder(Endpoint);
        var existing = builder.Query.TrimStart('?');
        builder.Query = existing.Length == 0 ? query.ToString() : $"{existing}&{query}";
        return builder.Uri;
    }

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    private static string? Option(SourceContext context, string name) =>
        context.Options.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
