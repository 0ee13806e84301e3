using System.Runtime.InteropServices;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Subscriptions.Matching;

/// <summary>
/// A <see cref="PaperSummary"/> prepared once for matching against any number of filters: the words of title and
/// abstract with their positions (<see cref="MatchText"/>), the category keys (each category and its archive
/// wildcard, <c>cs.cl</c> and <c>cs.*</c>), the author keys (each full name in <see cref="MatchText.AuthorName"/>
/// form and each family name), the source names, the upvotes and whether there is code. Immutable, so one
/// instance may be matched from several threads.
/// </summary>
public sealed class MatchablePaper
{
    private readonly string[] _words;
    private readonly int _titleWords;

    // Word → its first position; position → the next position of the same word, or -1.
    private readonly Dictionary<string, int> _first;
    private readonly int[] _next;

    private readonly HashSet<string> _categories;
    private readonly HashSet<string> _authors;
    private readonly HashSet<string> _sources;

    private MatchablePaper(PaperSummary paper, string[] words, int titleWords, HashSet<string> categories, HashSet<string> authors, HashSet<string> sources)
    {
        Paper = paper;
        _words = words;
        _titleWords = titleWords;
        _categories = categories;
        _authors = authors;
        _sources = sources;
        _first = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        _next = new int[words.Length];
        for (var i = words.Length - 1; i >= 0; i--)
        {
            ref var first = ref CollectionsMarshal.GetValueRefOrAddDefault(_first, words[i], out var seen);
            _next[i] = seen ? first : -1;
            first = i;
        }

        Upvotes = paper.Metrics?.Upvotes;
        HasCode = !string.IsNullOrWhiteSpace(paper.Links?.Code);
    }

    /// <summary>Prepares <paramref name="paper"/> for matching.</summary>
    public static MatchablePaper From(PaperSummary paper)
    {
        ArgumentNullException.ThrowIfNull(paper);
        var words = new List<string>(256);
        MatchText.AddWords(paper.Title, words);
        var titleWords = words.Count;
        MatchText.AddWords(paper.Abstract, words);

        var categories = new HashSet<string>((paper.Categories?.Count ?? 0) * 2, StringComparer.Ordinal);
        foreach (var category in paper.Categories ?? [])
        {
            var key = MatchText.Category(category);
            if (key.Length > 0)
            {
                categories.Add(key);
                if (MatchText.ArchiveWildcard(key) is { } wildcard)
                {
                    categories.Add(wildcard);
                }
            }
        }

        var authors = new HashSet<string>((paper.Authors?.Count ?? 0) * 2, StringComparer.Ordinal);
        foreach (var author in paper.Authors ?? [])
        {
            var name = MatchText.AuthorName(author);
            if (name.Length > 0)
            {
                authors.Add(name);
                authors.Add(MatchText.FamilyName(name));
            }
        }

        var sources = new HashSet<string>(paper.Sources?.Count ?? 0, StringComparer.Ordinal);
        foreach (var source in paper.Sources ?? [])
        {
            var key = MatchText.Source(source);
            if (key.Length > 0)
            {
                sources.Add(key);
            }
        }

        return new MatchablePaper(paper, [.. words], titleWords, categories, authors, sources);
    }

    /// <summary>The paper as announced.</summary>
    public PaperSummary Paper { get; }

    /// <summary>The words of the title, then those of the abstract.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>How many of <see cref="Words"/> belong to the title; a phrase never spans title and abstract.</summary>
    public int TitleWordCount => _titleWords;

    /// <summary>Each category (<c>cs.cl</c>) and, for categories with a subject class, its archive wildcard (<c>cs.*</c>).</summary>
    public IReadOnlySet<string> CategoryKeys => _categories;

    /// <summary>Each author's full name (<c>yann lecun</c>) and family name (<c>lecun</c>).</summary>
    public IReadOnlySet<string> AuthorKeys => _authors;

    /// <summary>The names of the sources that saw the paper, lower-cased.</summary>
    public IReadOnlySet<string> Sources => _sources;

    /// <summary>The upvote count, when a source reports one.</summary>
    public int? Upvotes { get; }

    /// <summary>True when the paper links a code repository.</summary>
    public bool HasCode { get; }

    /// <summary>Each distinct word and its first position in <see cref="WordArray"/> (struct enumerator, no allocation).</summary>
    internal Dictionary<string, int> FirstPositions => _first;

    /// <summary>Position → the next position of the same word, or -1.</summary>
    internal int[] NextPositions => _next;

    internal string[] WordArray => _words;

    internal HashSet<string> CategoryKeySet => _categories;

    internal HashSet<string> AuthorKeySet => _authors;

    internal HashSet<string> SourceSet => _sources;

    /// <summary>True when <paramref name="word"/> (already in <see cref="MatchText"/> form) is one of the paper's words.</summary>
    public bool ContainsWord(string word) => _first.ContainsKey(word);

    /// <summary>
    /// True when the words of <paramref name="phrase"/> (already in <see cref="MatchText"/> form) occur one after
    /// the other in the title or in the abstract. A one-word phrase is <see cref="ContainsWord"/>; an empty one
    /// is never contained.
    /// </summary>
    public bool ContainsPhrase(ReadOnlySpan<string> phrase)
    {
        if (phrase.IsEmpty || !_first.TryGetValue(phrase[0], out var start))
        {
            return false;
        }

        if (phrase.Length == 1)
        {
            return true;
        }

        for (; start >= 0; start = _next[start])
        {
            var end = start + phrase.Length;
            if (end > _words.Length)
            {
                return false;
            }

            if (start < _titleWords && end > _titleWords)
            {
                continue;
            }

            var k = 1;
            while (k < phrase.Length && string.Equals(_words[start + k], phrase[k], StringComparison.Ordinal))
            {
                k++;
            }

            if (k == phrase.Length)
            {
                return true;
            }
        }

        return false;
    }
}
