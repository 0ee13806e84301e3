using System.Globalization;
using PaperFeed.Contracts;
using PaperFeed.Worker.Papers;

namespace PaperFeed.Worker.Sources.HuggingFace;

/// <summary>
/// Hugging Face Daily Papers: <c>GET {Url}?date=YYYY-MM-DD&amp;p=N&amp;limit=L</c>, one date at a time.
/// </summary>
/// <remarks>
/// A date's list fills during the day and its upvotes keep growing, so every poll re-reads today and yesterday
/// (UTC), and the first poll of a day reads the day before yesterday once more, now final. The checkpoint
/// (<see cref="HuggingFaceCheckpoint"/>) is the last date that needs no more reading, so after downtime the next
/// poll catches up every missed date, at most <c>MaxCatchUpDays</c> back. Options: <c>Url</c> (default
/// <c>https://huggingface.co/api/daily_papers</c>), <c>PageSize</c> (100), <c>MaxPagesPerDate</c> (20),
/// <c>InitialDays</c> (2: today and yesterday on the first poll), <c>MaxCatchUpDays</c> (7).
/// </remarks>
public sealed class HuggingFaceSource : IPaperSource
{
    public const string TypeName = "huggingface";

    public static readonly Uri DefaultUrl = new("https://huggingface.co/api/daily_papers");

    public string Type => TypeName;

    public async Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken)
    {
        var options = HuggingFaceOptions.Read(context.Options);
        var baseUrl = context.Url ?? DefaultUrl;
        var today = DateOnly.FromDateTime(context.Now.UtcDateTime);

        var previous = HuggingFaceCheckpoint.TryRead(checkpoint, out var problem);
        if (problem is not null)
        {
            context.Log($"{TypeName}: {problem}; starting over with the last {options.InitialDays} days");
        }

        var first = FirstDate(previous, today, options, context);
        var papers = new List<DiscoveredPaper>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var fullPages = new SortedDictionary<string, int>(StringComparer.Ordinal);

        // Oldest date first, so that a paper listed on two dates keeps what the newest listing says.
        for (var date = first; date <= today; date = date.AddDays(1))
        {
            var full = await ReadDateAsync(context, baseUrl, date, options, previous?.FullPagesOf(date), papers, positions, cancellationToken);
            fullPages[HuggingFaceCheckpoint.Format(date)] = full;
        }

        // Only a date read when at least two days old is final; later ones are read again next time.
        var through = Max(first.AddDays(-1), today.AddDays(-2));
        if (previous is not null && previous.ThroughDate > through)
        {
            through = previous.ThroughDate; // the clock went back: never undo what was already final
        }

        foreach (var key in fullPages.Keys.Where(k => HuggingFaceCheckpoint.Date(k) <= through).ToList())
        {
            fullPages.Remove(key);
        }

        return new FetchResult(papers, new HuggingFaceCheckpoint(HuggingFaceCheckpoint.Format(through), fullPages).Write());
    }

    private static DateOnly FirstDate(HuggingFaceCheckpoint? previous, DateOnly today, HuggingFaceOptions options, SourceContext context)
    {
        if (previous is null)
        {
            return today.AddDays(-(options.InitialDays - 1));
        }

        // Today and yesterday are always read again, whatever the checkpoint says.
        var wanted = Min(previous.ThroughDate.AddDays(1), today.AddDays(-1));
        var oldest = today.AddDays(-options.MaxCatchUpDays);
        if (wanted < oldest)
        {
            var missed = oldest.DayNumber - wanted.DayNumber;
            context.Log($"{TypeName}: skipping {missed} missed day(s) from {HuggingFaceCheckpoint.Format(wanted)} to {HuggingFaceCheckpoint.Format(oldest.AddDays(-1))}: MaxCatchUpDays is {options.MaxCatchUpDays} (use backfill for older dates)");
            return oldest;
        }

        return wanted;
    }

    /// <summary>
    /// Reads every page of one date into <paramref name="papers"/> and returns how many were full. Paging stops at
    /// an empty page, a page shorter than the limit, or after <c>MaxPagesPerDate</c> pages.
    /// </summary>
    private static async Task<int> ReadDateAsync(
        SourceContext context,
        Uri baseUrl,
        DateOnly date,
        HuggingFaceOptions options,
        int? fullPagesBefore,
        List<DiscoveredPaper> papers,
        Dictionary<string, int> positions,
        CancellationToken cancellationToken)
    {
        for (var page = 0; page < options.MaxPagesPerDate; page++)
        {
            var uri = PageUri(baseUrl, date, page, options.PageSize);
            SourceResponse response;
            try
            {
                response = await context.GetAsync(uri, cancellationToken);
            }
            catch (SourceException ex)
            {
                throw new SourceException($"{TypeName}: {ex.Message}", ex);
            }

            if (response.NotModified)
            {
                // Unchanged since the last successful poll: its papers were reported then. Whether another page
                // follows is what that poll counted; when it is not known, asking once more costs one request,
                // while stopping could miss a page.
                if (fullPagesBefore is { } known && page >= known)
                {
                    return page;
                }

                continue;
            }

            HuggingFacePage read;
            try
            {
                read = HuggingFaceParser.ReadPage(response.Body);
            }
            catch (SourceException ex)
            {
                throw new SourceException($"{ex.Message} (GET {uri})", ex);
            }

            if (read.Skipped > 0)
            {
                context.Log($"{TypeName}: skipped {read.Skipped} of {read.Items} item(s) without an id or a title in GET {uri}");
            }

            foreach (var paper in read.Papers)
            {
                Add(paper, papers, positions);
            }

            if (read.Items < options.PageSize)
            {
                return page;
            }
        }

        context.Log($"{TypeName}: {HuggingFaceCheckpoint.Format(date)} still had full pages after {options.MaxPagesPerDate}; the rest is not read (raise MaxPagesPerDate)");
        return options.MaxPagesPerDate;
    }

    /// <summary>One entry per paper per poll: a later sighting (newer date or page) replaces the earlier one in place.</summary>
    private static void Add(DiscoveredPaper paper, List<DiscoveredPaper> papers, Dictionary<string, int> positions)
    {
        var key = PaperIdentity.TryParseArxiv(paper.ArxivId, out var arxiv) ? arxiv.Key : paper.ExternalId;
        if (positions.TryGetValue(key, out var at))
        {
            papers[at] = paper;
        }
        else
        {
            positions[key] = papers.Count;
            papers.Add(paper);
        }
    }

    /// <summary>The query is always <c>date</c>, <c>p</c>, <c>limit</c> in that order, so each page has one stable URL (and validators).</summary>
    internal static Uri PageUri(Uri baseUrl, DateOnly date, int page, int limit)
    {
        var separator = string.IsNullOrEmpty(baseUrl.Query) ? "?" : "&";
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{baseUrl.AbsoluteUri}{separator}date={HuggingFaceCheckpoint.Format(date)}&p={page}&limit={limit}"));
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}

/// <summary>The options of a <c>huggingface</c> source, checked.</summary>
internal sealed record HuggingFaceOptions(int PageSize, int MaxPagesPerDate, int InitialDays, int MaxCatchUpDays)
{
    public static HuggingFaceOptions Read(IReadOnlyDictionary<string, string> options) => new(
        Int(options, "PageSize", 100, 1, 1000),
        Int(options, "MaxPagesPerDate", 20, 1, 1000),
        Int(options, "InitialDays", 2, 1, 366),
        Int(options, "MaxCatchUpDays", 7, 1, 366));

    private static int Int(IReadOnlyDictionary<string, string> options, string name, int fallback, int min, int max)
    {
        if (!options.TryGetValue(name, out var raw) || string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        if (!int.TryParse(raw.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new SourceException($"{HuggingFaceSource.TypeName}: option {name} '{raw}' is not a whole number from {min} to {max}");
        }

        return value;
    }
}
