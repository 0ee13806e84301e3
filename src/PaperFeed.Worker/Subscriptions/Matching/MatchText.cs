using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PaperFeed.Worker.Subscriptions.Matching;

/// <summary>
/// The one place where text is turned into what matching compares, for filters and papers alike.
/// <para>
/// Words: the text is decomposed (Unicode FormD), non-spacing marks are dropped (so "Schrödinger" reads
/// "schrodinger"), letters are lower-cased (invariant culture), and it is split on every character that is not a
/// letter or a digit (spacing combining marks, as in Devanagari, stay inside their word). "State-of-the-art" is
/// the four words <c>state of the art</c>; "GPT-4" is <c>gpt 4</c>.
/// </para>
/// <para>
/// Names (authors, categories, sources) are folded the same way (lower-case, diacritics removed) but keep their
/// punctuation; see <see cref="AuthorName"/>, <see cref="Category"/> and <see cref="Source"/>.
/// </para>
/// </summary>
public static class MatchText
{
    /// <summary>The words of <paramref name="text"/>, in order; none for null or empty text.</summary>
    public static IReadOnlyList<string> Words(string? text)
    {
        var words = new List<string>();
        AddWords(text, words);
        return words;
    }

    /// <summary>
    /// The words of a keyword entry: a word or a phrase, with or without surrounding double quotes (quotes are
    /// not letters, so they fall away with the other punctuation). Empty when the entry holds no word.
    /// </summary>
    public static string[] Phrase(string? entry)
    {
        var words = new List<string>();
        AddWords(entry, words);
        return [.. words];
    }

    /// <summary>Appends the words of <paramref name="text"/> to <paramref name="words"/>.</summary>
    public static void AddWords(string? text, List<string> words)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        if (Ascii.IsValid(text))
        {
            AddAsciiWords(text, words);
            return;
        }

        // Character by character: ASCII directly, any other character through its folded form (cached). Folding
        // each character on its own gives what folding the whole text would: canonical decomposition only
        // reorders marks among themselves, and marks are dropped.
        var buffer = ArrayPool<char>.Shared.Rent((text.Length * 4) + 4);
        try
        {
            var length = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (char.IsAscii(c))
                {
                    if (char.IsAsciiLetterOrDigit(c))
                    {
                        buffer[length++] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
                        continue;
                    }

                    Flush(buffer, ref length, words);
                    continue;
                }

                var rune = Rune.TryCreate(c, out var single) ? single
                    : i + 1 < text.Length && Rune.TryCreate(c, text[i + 1], out var pair) ? pair
                    : Rune.ReplacementChar;
                if (rune.Utf16SequenceLength == 2)
                {
                    i++;
                }

                foreach (var folded in WordFold(rune))
                {
                    if (folded == Separator)
                    {
                        Flush(buffer, ref length, words);
                    }
                    else
                    {
                        buffer[length++] = folded;
                    }
                }
            }

            Flush(buffer, ref length, words);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static void Flush(char[] buffer, ref int length, List<string> words)
    {
        if (length > 0)
        {
            words.Add(new string(buffer, 0, length));
            length = 0;
        }
    }

    // In a character's word fold: where the character separates words.
    private const char Separator = '\0';

    // Folded forms of the non-ASCII characters met so far (there are few distinct ones in practice).
    private static readonly ConcurrentDictionary<Rune, string> WordFolds = new();
    private static readonly ConcurrentDictionary<Rune, string> NameFolds = new();

    /// <summary>
    /// What <paramref name="rune"/> contributes to words: its canonical decomposition without non-spacing marks,
    /// lower-cased, with <see cref="Separator"/> for what is neither letter, digit nor spacing mark.
    /// </summary>
    private static string WordFold(Rune rune) => WordFolds.GetOrAdd(rune, static r =>
    {
        var sb = new StringBuilder(4);
        foreach (var part in r.ToString().Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            switch (Kind(part))
            {
                case CharKind.Mark:
                    break;
                case CharKind.Word:
                    sb.Append(Rune.ToLowerInvariant(part).ToString());
                    break;
                default:
                    sb.Append(Separator);
                    break;
            }
        }

        return sb.ToString();
    });

    /// <summary>What <paramref name="rune"/> contributes to a folded name: its canonical decomposition without non-spacing marks, lower-cased.</summary>
    private static string NameFold(Rune rune) => NameFolds.GetOrAdd(rune, static r =>
    {
        var sb = new StringBuilder(4);
        foreach (var part in r.ToString().Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(part) != UnicodeCategory.NonSpacingMark)
            {
                sb.Append(Rune.ToLowerInvariant(part).ToString());
            }
        }

        return sb.ToString();
    });

    private static readonly SearchValues<char> AsciiWordChars =
        SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static void AddAsciiWords(string text, List<string> words)
    {
        var rest = text.AsSpan();
        var offset = 0;
        while (true)
        {
            var start = rest.IndexOfAny(AsciiWordChars);
            if (start < 0)
            {
                return;
            }

            rest = rest[start..];
            offset += start;
            var length = rest.IndexOfAnyExcept(AsciiWordChars);
            if (length < 0)
            {
                length = rest.Length;
            }

            var word = rest[..length];
            words.Add(word.ContainsAnyInRange('A', 'Z')
                ? string.Create(length, (text, offset), static (span, at) => at.text.AsSpan(at.offset, span.Length).ToLowerInvariant(span))
                : word.ToString());
            rest = rest[length..];
            offset += length;
        }
    }

    private enum CharKind
    {
        Separator,
        Word,
        Mark,
    }

    private static CharKind Kind(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.NonSpacingMark => CharKind.Mark,
        UnicodeCategory.SpacingCombiningMark => CharKind.Word,
        _ => Rune.IsLetterOrDigit(rune) ? CharKind.Word : CharKind.Separator,
    };

    /// <summary>
    /// Lower-cased (invariant), decomposed, non-spacing marks dropped, runs of whitespace collapsed to one space,
    /// trimmed. Punctuation stays.
    /// </summary>
    public static string Fold(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        if (IsFoldedAscii(text))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                space = sb.Length > 0;
                continue;
            }

            var folded = rune.IsAscii ? null : NameFold(rune);
            if (folded is { Length: 0 })
            {
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            if (folded is null)
            {
                sb.Append((char)Rune.ToLowerInvariant(rune).Value);
            }
            else
            {
                sb.Append(folded);
            }
        }

        return sb.ToString();
    }

    /// <summary>True for ASCII text that folding would leave as it is (no capitals, single spaces inside only).</summary>
    private static bool IsFoldedAscii(string text)
    {
        if (text[0] == ' ' || text[^1] == ' ')
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsAscii(c) || char.IsAsciiLetterUpper(c) || (char.IsWhiteSpace(c) && (c != ' ' || text[i - 1] == ' ')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// An author's name as matching compares it: <see cref="Fold">folded</see>, and "Family, Given" reordered to
    /// "given family" (at the first comma). "LeCun, Yann", "Yann  LeCun" and "YANN LECUN" are all <c>yann lecun</c>.
    /// Empty when nothing but punctuation and spaces is left.
    /// </summary>
    public static string AuthorName(string? name)
    {
        var folded = Fold(name);
        var comma = folded.IndexOf(',', StringComparison.Ordinal);
        if (comma >= 0)
        {
            var family = folded[..comma].Trim();
            var given = folded[(comma + 1)..].Trim();
            folded = given.Length == 0 ? family : family.Length == 0 ? given : given + " " + family;
        }

        return HasWord(folded) ? folded : "";
    }

    /// <summary>The last word of a name already in <see cref="AuthorName"/> form: <c>yann lecun</c> gives <c>lecun</c>.</summary>
    public static string FamilyName(string normalisedName)
    {
        var space = normalisedName.LastIndexOf(' ');
        return space < 0 ? normalisedName : normalisedName[(space + 1)..];
    }

    /// <summary>A category as matching compares it: trimmed and lower-cased (<c>cs.CL</c> is <c>cs.cl</c>; <c>cs.*</c> stays).</summary>
    public static string Category(string? category) => category?.Trim().ToLowerInvariant() ?? "";

    /// <summary>
    /// The archive wildcard a paper's category also answers to: <c>cs.cl</c> gives <c>cs.*</c>; null for a
    /// category without a subject class (<c>hep-th</c>) or one that is already a wildcard.
    /// </summary>
    public static string? ArchiveWildcard(string normalisedCategory)
    {
        var dot = normalisedCategory.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && !normalisedCategory.EndsWith(".*", StringComparison.Ordinal)
            ? string.Concat(normalisedCategory.AsSpan(0, dot), ".*")
            : null;
    }

    /// <summary>A source name as matching compares it: trimmed and lower-cased.</summary>
    public static string Source(string? source) => source?.Trim().ToLowerInvariant() ?? "";

    /// <summary>True when <paramref name="text"/> holds at least one word (a letter or a digit).</summary>
    public static bool HasWord(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                return true;
            }
        }

        return false;
    }
}
