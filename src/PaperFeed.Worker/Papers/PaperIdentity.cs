using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Papers;

/// <summary>An arXiv identifier without its version, and the version when one was given.</summary>
public readonly record struct ArxivId(string Id, int? Version)
{
    public string Key => PaperIdentity.ArxivPrefix + Id;
    public override string ToString() => Version is { } v ? $"{Id}v{v}" : Id;
}

/// <summary>
/// Turns the many spellings of a paper's identifiers into identity keys (ARCHITECTURE §2):
/// <c>arxiv:2405.12345</c>, <c>doi:10.1000/xyz</c>, <c>title:&lt;hash&gt;</c>. One stored paper owns each key.
/// </summary>
public static partial class PaperIdentity
{
    public const string ArxivPrefix = "arxiv:";
    public const string DoiPrefix = "doi:";
    public const string TitlePrefix = "title:";

    // New style (since 2007-04): YYMM.NNNN (to 2014) or YYMM.NNNNN. Old style: archive[.SC]/YYMMNNN; the
    // subject class (".GT") is not part of the identifier and is dropped.
    [GeneratedRegex(@"^(?:(?<new>\d{4}\.\d{4,5})|(?<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Za-z]{2})?/(?<num>\d{7}))(?:v(?<v>\d{1,4}))?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BareArxiv();

    [GeneratedRegex(@"^10\.\d{4,9}/\S+$", RegexOptions.CultureInvariant)]
    private static partial Regex BareDoi();

    [GeneratedRegex(@"^10\.48550/arxiv\.(?<id>.+)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ArxivDoi();

    /// <summary>
    /// Reads an arXiv id from a bare id, <c>arXiv:</c> id, <c>oai:arXiv.org:</c> guid, abs/pdf/html URL on any
    /// arxiv.org host, or a <c>10.48550/arXiv.</c> DOI (bare or as a doi.org URL). Anything else is not an arXiv id.
    /// </summary>
    public static bool TryParseArxiv(string? input, out ArxivId id)
    {
        id = default;
        if (string.IsNullOrWhiteSpace(input))
        {
            return false;
        }

        var s = input.Trim();
        if (Uri.TryCreate(s, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            var host = uri.Host.ToLowerInvariant();
            if (host == "arxiv.org" || host.EndsWith(".arxiv.org", StringComparison.Ordinal))
            {
                var path = Uri.UnescapeDataString(uri.AbsolutePath).TrimEnd('/');
                foreach (var prefix in (string[])["/abs/", "/pdf/", "/html/", "/format/", "/ps/"])
                {
                    if (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    {
                        var rest = path[prefix.Length..];
                        if (rest.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase))
                        {
                            rest = rest[..^4];
                        }

                        return TryParseBareArxiv(rest, out id);
                    }
                }

                return false;
            }

            return TryParseDoi(s, out var doi) && TryParseArxivDoi(doi, out id);
        }

        foreach (var prefix in (string[])["oai:arXiv.org:", "arXiv:", "arxiv.org/abs/"])
        {
            if (s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return TryParseBareArxiv(s[prefix.Length..].Trim(), out id);
            }
        }

        if (TryParseBareArxiv(s, out id))
        {
            return true;
        }

        return TryParseDoi(s, out var bareDoi) && TryParseArxivDoi(bareDoi, out id);
    }

    private static bool TryParseArxivDoi(string doi, out ArxivId id)
    {
        var m = ArxivDoi().Match(doi);
        id = default;
        return m.Success && TryParseBareArxiv(m.Groups["id"].Value, out id);
    }

    private static bool TryParseBareArxiv(string s, out ArxivId id)
    {
        id = default;
        var m = BareArxiv().Match(s);
        if (!m.Success)
        {
            return false;
        }

        var core = m.Groups["new"].Success
            ? m.Groups["new"].Value
            : $"{m.Groups["archive"].Value.ToLowerInvariant()}/{m.Groups["num"].Value}";
        int? version = m.Groups["v"].Success ? int.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture) : null;
        id = new ArxivId(core, version);
        return true;
    }

    /// <summary>
    /// Reads a DOI from a bare DOI, a <c>doi:</c> prefix, or a URL on doi.org / dx.doi.org (http or https,
    /// percent-encoded or not). The result is lower-case (DOIs are case-insensitive).
    /// </summary>
    public static bool TryParseDoi(string? input, out string doi)
    {
        doi = "";
        if (string.IsNullOrWhiteSpace(input))
        {
            return false;
        }

        var s = input.Trim();
        if (Uri.TryCreate(s, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            var host = uri.Host.ToLowerInvariant();
            if (host is not ("doi.org" or "dx.doi.org" or "www.doi.org"))
            {
                return false;
            }

            s = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        }
        else if (s.StartsWith("doi:", StringComparison.OrdinalIgnoreCase))
        {
            s = s[4..].Trim();
        }
        else if (s.StartsWith("info:doi/", StringComparison.OrdinalIgnoreCase))
        {
            s = s[9..].Trim();
        }

        s = s.TrimEnd('.', ',', ';');
        if (!BareDoi().IsMatch(s))
        {
            return false;
        }

        doi = s.ToLowerInvariant();
        return true;
    }

    /// <summary>
    /// The title key: NFKD-decomposed, diacritics and every character but letters and digits removed,
    /// lower-cased, plus the first author's family name the same way; hashed so that the key is short and
    /// URL-safe.
    /// </summary>
    public static string TitleKey(string title, string? firstAuthor)
    {
        var normalised = Fold(title) + "|" + Fold(FamilyName(firstAuthor));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(normalised));
        return TitlePrefix + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>"Family, Given" gives Family; "Given Middle Family" gives Family.</summary>
    public static string FamilyName(string? author)
    {
        if (string.IsNullOrWhiteSpace(author))
        {
            return "";
        }

        var a = author.Trim();
        var comma = a.IndexOf(',', StringComparison.Ordinal);
        if (comma > 0)
        {
            return a[..comma].Trim();
        }

        // Any whitespace separates the parts: names from HTML carry no-break spaces, names from XML line breaks.
        var parts = a.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return parts[^1];
    }

    private static string Fold(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormKD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var rune in decomposed.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                sb.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }

        return sb.ToString();
    }

    /// <summary>Every identity key of a discovered paper, highest-ranked first.</summary>
    public static IReadOnlyList<string> KeysOf(DiscoveredPaper paper)
    {
        var keys = new List<string>(3);
        if (TryParseArxiv(paper.ArxivId, out var arxiv))
        {
            keys.Add(arxiv.Key);
        }

        if (TryParseDoi(paper.Doi, out var doi))
        {
            // The DataCite DOI arXiv mints for every paper is the arXiv id again.
            if (TryParseArxivDoi(doi, out var fromDoi))
            {
                if (!keys.Contains(fromDoi.Key))
                {
                    keys.Add(fromDoi.Key);
                }
            }
            else
            {
                keys.Add(DoiPrefix + doi);
            }
        }

        if (!string.IsNullOrWhiteSpace(paper.Title))
        {
            keys.Add(TitleKey(paper.Title, paper.Authors.Count > 0 ? paper.Authors[0] : null));
        }

        return keys;
    }

    /// <summary>The version a discovered paper describes: explicit, else the one in its arXiv id.</summary>
    public static int? VersionOf(DiscoveredPaper paper) =>
        paper.Version ?? (TryParseArxiv(paper.ArxivId, out var id) ? id.Version : null);

    /// <summary>The canonical id among keys: arxiv first, then doi, then title.</summary>
    public static string Canonical(IEnumerable<string> keys) =>
        keys.OrderBy(Rank).ThenBy(k => k, StringComparer.Ordinal).First();

    private static int Rank(string key) =>
        key.StartsWith(ArxivPrefix, StringComparison.Ordinal) ? 0
        : key.StartsWith(DoiPrefix, StringComparison.Ordinal) ? 1
        : 2;

    /// <summary>
    /// Resolves what a user typed to look a paper up into an identity key: a key as such (<c>arxiv:…</c>,
    /// <c>doi:…</c>, <c>title:…</c>), any arXiv id form, or any DOI form. Null when it is none of these.
    /// </summary>
    public static string? LookupKey(string input)
    {
        var s = input.Trim();
        if (s.StartsWith(TitlePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return TitlePrefix + s[TitlePrefix.Length..].ToLowerInvariant();
        }

        if (s.StartsWith(ArxivPrefix, StringComparison.OrdinalIgnoreCase))
        {
            s = s[ArxivPrefix.Length..];
        }

        if (TryParseArxiv(s, out var arxiv))
        {
            return arxiv.Key;
        }

        return TryParseDoi(s, out var doi) ? DoiPrefix + doi : null;
    }
}
