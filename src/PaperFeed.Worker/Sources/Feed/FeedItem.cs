using System.Security.Cryptography;
using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;

namespace PaperFeed.Worker.Sources.Feed;

/// <summary>
/// What one format reader found in one item, before it becomes a <see cref="DiscoveredPaper"/>: the adapter
/// between every format and the common model, so that identity rules live in one place.
/// </summary>
internal sealed class FeedItem
{
    public string? Id { get; set; }
    public string? Title { get; set; }
    public string? Summary { get; set; }
    public string? Content { get; set; }

    /// <summary>The item's page, already absolute (or null).</summary>
    public string? Link { get; set; }

    /// <summary>The link as written, for the external id when it could not be made absolute.</summary>
    public string? RawLink { get; set; }

    public string? Pdf { get; set; }
    public List<string> Authors { get; } = [];
    public List<string> Categories { get; } = [];

    /// <summary>Identifiers that may hold a DOI, best first (prism:doi, dc:identifier, arxiv:doi, doi links).</summary>
    public List<string> DoiCandidates { get; } = [];

    /// <summary>Further identifiers and links that may hold an arXiv id (dc:identifier, other links).</summary>
    public List<string> OtherIds { get; } = [];

    public DateTimeOffset? PublishedAt { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>Adds a link of any kind: a PDF goes to <see cref="Pdf"/>; every link may carry an id.</summary>
    public void AddLink(string? href, string? mediaType)
    {
        if (href is null)
        {
            return;
        }

        if (Pdf is null && IsPdf(href, mediaType))
        {
            Pdf = href;
        }

        OtherIds.Add(href);
    }

    public static bool IsPdf(string href, string? mediaType) =>
        string.Equals(mediaType?.Trim(), "application/pdf", StringComparison.OrdinalIgnoreCase)
        || (Uri.TryCreate(href, UriKind.Absolute, out var uri) && uri.AbsolutePath.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase));

    /// <summary>An http(s) URL, resolved against <paramref name="baseUri"/> when relative; null otherwise.</summary>
    public static string? Absolute(string? href, Uri? baseUri)
    {
        if (string.IsNullOrWhiteSpace(href))
        {
            return null;
        }

        // Checked for http(s) because on Unix "/path" is an absolute file URI.
        href = href.Trim();
        if (Uri.TryCreate(href, UriKind.Absolute, out var uri) && IsHttp(uri))
        {
            return href;
        }

        return baseUri is not null && Uri.TryCreate(baseUri, href, out var resolved) && IsHttp(resolved) ? resolved.AbsoluteUri : null;
    }

    public static Uri? AbsoluteUri(string? href, Uri? baseUri) => Absolute(href, baseUri) is { } url ? new Uri(url) : null;

    private static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;

    /// <summary>The paper, or null for an item with neither a title nor a link or id.</summary>
    public DiscoveredPaper? ToPaper()
    {
        var id = Clean(Id);
        var link = Link ?? Clean(RawLink);
        var title = FeedText.Plain(Title);
        if (title is null && id is null && link is null)
        {
            return null;
        }

        var summary = FeedText.Plain(Summary);
        var @abstract = summary ?? FeedText.Plain(Content);

        // Like miniflux: an untitled item is named by the start of its text, else by its link.
        title ??= @abstract is { Length: > 100 } ? @abstract[..100].TrimEnd() + "…" : @abstract ?? link ?? id!;

        string[] idCandidates = [.. new[] { id, Link, RawLink }.OfType<string>(), .. OtherIds];
        return new DiscoveredPaper
        {
            ExternalId = id ?? link ?? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(title))),
            Title = title,
            Abstract = @abstract,
            Authors = Distinct(Authors),
            Categories = Distinct(Categories),
            ArxivId = idCandidates.FirstOrDefault(c => PaperIdentity.TryParseArxiv(c, out _))?.Trim(),
            Doi = FirstDoi([.. DoiCandidates, .. idCandidates]),
            PublishedAt = PublishedAt,
            UpdatedAt = UpdatedAt,
            Links = new PaperLinks { Abstract = Link, Pdf = Pdf ?? (Link is not null && IsPdf(Link, null) ? Link : null) },
        };
    }

    private static string? FirstDoi(IEnumerable<string> candidates)
    {
        foreach (var candidate in candidates)
        {
            if (PaperIdentity.TryParseDoi(candidate, out var doi))
            {
                return doi;
            }
        }

        return null;
    }

    private static string[] Distinct(IEnumerable<string> values) =>
        [.. values.Select(FeedText.Plain).OfType<string>().Distinct(StringComparer.Ordinal)];

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
