using System.Globalization;
using System.Text.RegularExpressions;

namespace PaperFeed.Worker.Subscriptions.Matching;

/// <summary>
/// Checks a <see cref="SubscriptionFilter"/> as a subscriber sent it, before it is stored: every problem is
/// reported, each as a sentence naming the field by its JSON path (<c>filter.keywords[2] is empty</c>). The filter
/// is checked as it is, not changed; <see cref="CompiledFilter"/> normalises it for matching.
/// <list type="bullet">
/// <item>At least one of keywords, categories, authors, sources, minUpvotes or hasCode (excluding alone selects
/// nothing).</item>
/// <item>At most <see cref="MaxEntries"/> entries per list and <see cref="MaxEntryLength"/> characters per entry;
/// no empty entries.</item>
/// <item>Keywords and excluded entries hold a word (a letter or a digit) and at most <see cref="MaxPhraseWords"/>
/// words, counted as <see cref="MatchText"/> splits them ("state-of-the-art" is four).</item>
/// <item>Categories look like arXiv's: an archive (<c>cs</c>, <c>hep-th</c>, <c>cond-mat</c>), optionally a
/// subject class (<c>cs.CL</c>, <c>cond-mat.str-el</c>) or <c>.*</c> for the whole archive; case is not
/// significant.</item>
/// <item>Authors hold a name (a letter or a digit).</item>
/// <item>minUpvotes is 0 or more.</item>
/// </list>
/// </summary>
public static partial class SubscriptionFilterValidator
{
    /// <summary>Most entries in one list.</summary>
    public const int MaxEntries = 100;

    /// <summary>Most characters in one entry.</summary>
    public const int MaxEntryLength = 200;

    /// <summary>Most words in one keyword or excluded phrase.</summary>
    public const int MaxPhraseWords = 10;

    [GeneratedRegex(@"^[A-Za-z]+(?:-[A-Za-z]+)*(?:\.(?:\*|[A-Za-z]+(?:-[A-Za-z]+)*))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex CategoryPattern();

    /// <summary>Every problem with <paramref name="filter"/>, in field order; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(SubscriptionFilter? filter)
    {
        if (filter is null)
        {
            return ["filter is required"];
        }

        var errors = new List<string>();
        CheckList(filter.Keywords, "keywords", CheckPhrase, errors);
        CheckList(filter.Exclude, "exclude", CheckPhrase, errors);
        CheckList(filter.Categories, "categories", CheckCategory, errors);
        CheckList(filter.Authors, "authors", CheckAuthor, errors);
        CheckList(filter.Sources, "sources", null, errors);
        if (filter.MinUpvotes is < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"filter.minUpvotes must be 0 or more (was {filter.MinUpvotes})"));
        }

        var selects = filter.Keywords is { Count: > 0 } || filter.Categories is { Count: > 0 } || filter.Authors is { Count: > 0 }
            || filter.Sources is { Count: > 0 } || filter.MinUpvotes is not null || filter.HasCode;
        if (!selects)
        {
            errors.Add("filter needs at least one of keywords, categories, authors, sources, minUpvotes or hasCode");
        }

        return errors;
    }

    /// <summary>A check of one non-empty entry of at most <see cref="MaxEntryLength"/> characters; null when it is fine.</summary>
    private delegate string? EntryCheck(string field, string entry);

    private static void CheckList(IReadOnlyList<string?>? entries, string name, EntryCheck? check, List<string> errors)
    {
        if (entries is null || entries.Count == 0)
        {
            return;
        }

        if (entries.Count > MaxEntries)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"filter.{name} has {entries.Count} entries (at most {MaxEntries})"));
            return;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"filter.{name}[{i}]");
            var entry = entries[i];
            if (string.IsNullOrWhiteSpace(entry))
            {
                errors.Add($"{field} is empty");
            }
            else if (entry.Length > MaxEntryLength)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{field} is {entry.Length} characters long (at most {MaxEntryLength})"));
            }
            else if (check?.Invoke(field, entry) is { } error)
            {
                errors.Add(error);
            }
        }
    }

    private static string? CheckPhrase(string field, string entry)
    {
        var words = MatchText.Phrase(entry).Length;
        if (words == 0)
        {
            return $"{field} '{entry}' contains no word";
        }

        return words > MaxPhraseWords
            ? string.Create(CultureInfo.InvariantCulture, $"{field} has {words} words (a phrase has at most {MaxPhraseWords})")
            : null;
    }

    private static string? CheckCategory(string field, string entry) =>
        CategoryPattern().IsMatch(entry.Trim()) ? null : $"{field} '{entry}' is not a category (e.g. cs.CL, math.PR or cs.*)";

    private static string? CheckAuthor(string field, string entry) =>
        MatchText.HasWord(entry) ? null : $"{field} '{entry}' contains no name";
}
