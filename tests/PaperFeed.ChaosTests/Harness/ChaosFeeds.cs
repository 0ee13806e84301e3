using System.Globalization;
using System.Text.Json;

namespace PaperFeed.ChaosTests.Harness;

/// <summary>Generated source payloads: a large JSON Feed of arXiv papers, and Hugging Face daily-papers pages.</summary>
public static class ChaosFeeds
{
    /// <summary>The word every matching paper's title has, and no other paper's title or abstract.</summary>
    public const string Keyword = "quasar";

    /// <summary>The arXiv id of paper <paramref name="n"/> (1-based) of a generated feed.</summary>
    public static string ArxivId(int n) => string.Create(CultureInfo.InvariantCulture, $"2411.{n:D5}");

    /// <summary>The canonical id PaperFeed stores paper <paramref name="n"/> under.</summary>
    public static string PaperId(int n) => "arxiv:" + ArxivId(n);

    /// <summary>Whether paper <paramref name="n"/> carries <see cref="Keyword"/> (every tenth).</summary>
    public static bool Matches(int n) => n % 10 == 0;

    /// <summary>A JSON Feed 1.1 of <paramref name="count"/> papers, each linked to its arXiv abstract page.</summary>
    public static byte[] JsonFeed(int count)
    {
        var items = Enumerable.Range(1, count).Select(n => new Dictionary<string, object>
        {
            ["id"] = ArxivId(n),
            ["url"] = $"https://arxiv.org/abs/{ArxivId(n)}",
            ["title"] = Matches(n)
                ? string.Create(CultureInfo.InvariantCulture, $"Quasar variability in survey field {n}")
                : string.Create(CultureInfo.InvariantCulture, $"Galaxy rotation curves in survey field {n}"),
            ["content_text"] = "We measure what the survey shows and compare it with the models.",
            ["authors"] = new[] { new { name = "Vera Rubin" } },
            ["date_published"] = "2024-11-20T12:00:00Z",
        });
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["version"] = "https://jsonfeed.org/version/1.1",
            ["title"] = "Survey papers",
            ["items"] = items,
        });
    }

    /// <summary>The request path and query the <c>huggingface</c> source asks for one page of one date.</summary>
    public static string DailyPapersQuery(string basePath, DateOnly date, int page = 0, int limit = 100) =>
        string.Create(CultureInfo.InvariantCulture, $"{basePath}?date={date:yyyy-MM-dd}&p={page}&limit={limit}");

    /// <summary>The arXiv ids listed on <paramref name="date"/> by a generated daily-papers server (three a day).</summary>
    public static IReadOnlyList<string> DailyIds(string prefix, DateOnly date) =>
        Enumerable.Range(1, 3).Select(k => string.Create(CultureInfo.InvariantCulture, $"{prefix}.{date.DayNumber % 10_000:D4}{k}")).ToList();

    /// <summary>One page of Hugging Face's <c>/api/daily_papers</c> answer listing <paramref name="ids"/>.</summary>
    public static byte[] DailyPapersPage(IEnumerable<string> ids) =>
        JsonSerializer.SerializeToUtf8Bytes(ids.Select(id => new
        {
            paper = new { id, authors = new[] { new { name = "Ada Lovelace", hidden = false } }, title = $"Daily paper {id}", summary = "An abstract.", upvotes = 3 },
            title = $"Daily paper {id}",
            numComments = 0,
        }));
}
