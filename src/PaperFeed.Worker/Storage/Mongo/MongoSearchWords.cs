using System.Globalization;
using System.Text;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// The words a paper can be found by, kept in the paper document's <c>words</c> array (a multikey index) and
/// matched with <c>$all</c>: every word of the search must be a whole word of the title, abstract or authors,
/// case- and accent-insensitively — what SQLite's FTS5 search (unicode61, remove_diacritics) does with the quoted
/// terms <see cref="Sqlite.SqlitePaperStore"/> builds. MongoDB's own <c>$text</c> does not fit that contract: its
/// terms are OR-ed, and its phrases, the only way to require every term, match substrings ("graph" would find
/// "paragraphs").
/// </summary>
internal static class MongoSearchWords
{
    /// <summary>As in SQLite: words of a search beyond this many are ignored.</summary>
    public const int MaxSearchTerms = 16;

    /// <summary>The distinct words of the texts, in the order they first appear.</summary>
    public static List<string> Of(IEnumerable<string?> texts)
    {
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (var word in Split(text))
            {
                if (seen.Add(word))
                {
                    words.Add(word);
                }
            }
        }

        return words;
    }

    /// <summary>The words a search text asks for (operators and punctuation are not words); empty when there are none.</summary>
    public static List<string> Query(string text) => Of([text]).Take(MaxSearchTerms).ToList();

    /// <summary>Runs of letters and digits, lower-cased, with diacritics removed; combining marks do not split a word.</summary>
    private static IEnumerable<string> Split(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var current = new StringBuilder();
        foreach (var rune in text.Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                current.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark)
            {
                // A diacritic (decomposed from the letter before it): dropped.
            }
            else if (current.Length > 0)
            {
                yield return current.ToString();
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}
