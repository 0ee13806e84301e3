namespace PaperFeed.Worker.Subscriptions.Matching;

/// <summary>
/// A <see cref="SubscriptionFilter"/> prepared for matching, and the reference for what "matches" means.
/// <list type="bullet">
/// <item>Every facet that is set must hold (AND); within a facet one value is enough (OR). A facet is set when its
/// list has entries (or <see cref="MinUpvotes"/> has a value, or <see cref="HasCode"/> is true); a filter with no
/// facet set matches every paper (<see cref="SubscriptionFilterValidator"/> does not accept one).</item>
/// <item><b>Keywords</b>: each entry is a word or a phrase (several words; surrounding double quotes allowed),
/// split into words by <see cref="MatchText"/>. It holds when its words occur one after the other in the title
/// or in the abstract, whole words only, case- and accent-insensitively: <c>transformer</c> does not match
/// "transformers", <c>schrodinger</c> matches "Schrödinger".</item>
/// <item><b>Exclude</b>: the same kind of entries; any one found drops the paper.</item>
/// <item><b>Categories</b>: case-insensitive equality (<c>cs.CL</c>), or <c>cs.*</c> for any category of the
/// <c>cs</c> archive.</item>
/// <item><b>Authors</b>: names compared in <see cref="MatchText.AuthorName"/> form ("LeCun, Yann" is "Yann
/// LeCun"); an entry of one word matches an author's family name (the last word), an entry of several words the
/// full name.</item>
/// <item><b>Sources</b>: case-insensitive equality with one of <see cref="Contracts.PaperSummary.Sources"/>.</item>
/// <item><b>MinUpvotes</b>: the paper's upvotes are at least this many; a paper without an upvote count does not
/// match.</item>
/// <item><b>HasCode</b>: the paper links a code repository.</item>
/// </list>
/// Entries that hold no word or name (empty, or only punctuation) match nothing: a facet made only of such
/// entries is set but can never hold (<see cref="CanMatch"/> is false). Excluded entries without a word exclude
/// nothing.
/// </summary>
public sealed class CompiledFilter
{
    private readonly string[][] _keywords;
    private readonly string[][] _exclude;
    private readonly string[] _categories;
    private readonly string[] _authors;
    private readonly string[] _sources;
    private readonly bool _keywordsSet;
    private readonly bool _categoriesSet;
    private readonly bool _authorsSet;
    private readonly bool _sourcesSet;

    private CompiledFilter(SubscriptionFilter filter)
    {
        _keywordsSet = filter.Keywords is { Count: > 0 };
        _categoriesSet = filter.Categories is { Count: > 0 };
        _authorsSet = filter.Authors is { Count: > 0 };
        _sourcesSet = filter.Sources is { Count: > 0 };
        _keywords = Phrases(filter.Keywords);
        _exclude = Phrases(filter.Exclude);
        _categories = Distinct(filter.Categories, MatchText.Category);
        _authors = Distinct(filter.Authors, MatchText.AuthorName);
        _sources = Distinct(filter.Sources, MatchText.Source);
        MinUpvotes = filter.MinUpvotes;
        HasCode = filter.HasCode;
        Facets = (_keywordsSet ? FilterFacets.Keywords : 0)
            | (_categoriesSet ? FilterFacets.Categories : 0)
            | (_authorsSet ? FilterFacets.Authors : 0)
            | (_sourcesSet ? FilterFacets.Sources : 0)
            | (MinUpvotes is not null ? FilterFacets.MinUpvotes : 0)
            | (HasCode ? FilterFacets.HasCode : 0)
            | (_exclude.Length > 0 ? FilterFacets.Exclude : 0);
        CanMatch = (!_keywordsSet || _keywords.Length > 0)
            && (!_categoriesSet || _categories.Length > 0)
            && (!_authorsSet || _authors.Length > 0)
            && (!_sourcesSet || _sources.Length > 0);
    }

    /// <summary>Prepares <paramref name="filter"/>; entries are normalised, and duplicates after normalising dropped.</summary>
    public static CompiledFilter Compile(SubscriptionFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return new CompiledFilter(filter);
    }

    /// <summary>The keyword entries as words (a phrase has several); one of them must occur when any is given.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Keywords => _keywords;

    /// <summary>The excluded entries as words.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Exclude => _exclude;

    /// <summary>Categories in <see cref="MatchText.Category"/> form (<c>cs.cl</c>, <c>cs.*</c>).</summary>
    public IReadOnlyList<string> Categories => _categories;

    /// <summary>
    /// Authors in <see cref="MatchText.AuthorName"/> form; one without a space is matched against family names.
    /// </summary>
    public IReadOnlyList<string> Authors => _authors;

    /// <summary>Source names in <see cref="MatchText.Source"/> form.</summary>
    public IReadOnlyList<string> Sources => _sources;

    public int? MinUpvotes { get; }

    public bool HasCode { get; }

    /// <summary>The facets that are set, and <see cref="FilterFacets.Exclude"/> when there is something to exclude.</summary>
    internal FilterFacets Facets { get; }

    /// <summary>False when some facet is set but none of its entries can match anything: the filter matches no paper.</summary>
    public bool CanMatch { get; }

    /// <summary>True when <paramref name="paper"/> satisfies every facet that is set and contains no excluded entry.</summary>
    public bool Matches(MatchablePaper paper)
    {
        ArgumentNullException.ThrowIfNull(paper);
        if (MinUpvotes is { } min && !(paper.Upvotes >= min))
        {
            return false;
        }

        if (HasCode && !paper.HasCode)
        {
            return false;
        }

        if (_sourcesSet && !AnyIn(_sources, paper.SourceSet))
        {
            return false;
        }

        if (_categoriesSet && !AnyIn(_categories, paper.CategoryKeySet))
        {
            return false;
        }

        if (_authorsSet && !AnyIn(_authors, paper.AuthorKeySet))
        {
            return false;
        }

        if (_keywordsSet && !AnyPhrase(_keywords, paper))
        {
            return false;
        }

        return _exclude.Length == 0 || !AnyPhrase(_exclude, paper);
    }

    private static bool AnyIn(string[] values, HashSet<string> keys)
    {
        foreach (var value in values)
        {
            if (keys.Contains(value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyPhrase(string[][] phrases, MatchablePaper paper)
    {
        foreach (var phrase in phrases)
        {
            if (paper.ContainsPhrase(phrase))
            {
                return true;
            }
        }

        return false;
    }

    private static string[][] Phrases(IReadOnlyList<string>? entries)
    {
        if (entries is not { Count: > 0 })
        {
            return [];
        }

        var phrases = new List<string[]>(entries.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var words = MatchText.Phrase(entry);
            if (words.Length > 0 && seen.Add(string.Join(' ', words)))
            {
                phrases.Add(words);
            }
        }

        return [.. phrases];
    }

    private static string[] Distinct(IReadOnlyList<string>? entries, Func<string?, string> normalise)
    {
        if (entries is not { Count: > 0 })
        {
            return [];
        }

        var values = new List<string>(entries.Count);
        foreach (var entry in entries)
        {
            var value = normalise(entry);
            if (value.Length > 0 && !values.Contains(value, StringComparer.Ordinal))
            {
                values.Add(value);
            }
        }

        return [.. values];
    }
}

/// <summary>Facets of a filter, as a set.</summary>
[Flags]
internal enum FilterFacets : byte
{
    None = 0,
    Keywords = 1,
    Categories = 2,
    Authors = 4,
    Sources = 8,
    MinUpvotes = 16,
    HasCode = 32,
    Exclude = 64,
}
