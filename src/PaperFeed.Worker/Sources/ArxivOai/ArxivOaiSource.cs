using System.Globalization;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.ArxivOai;

/// <summary>
/// arXiv (or any OAI-PMH repository serving the <c>arXiv</c> / <c>oai_dc</c> formats) harvested with ListRecords.
/// Options: <c>MetadataPrefix</c> (arXiv | oai_dc), <c>Set</c>, <c>From</c> / <c>Until</c> (YYYY-MM-DD; From defaults
/// to yesterday), <c>PagesPerPoll</c> (default 1). Each poll reads at most PagesPerPoll pages and checkpoints the
/// resumptionToken (<see cref="OaiHarvestState"/>); once a window is complete the next poll harvests from where it
/// ended, so a scheduled source keeps up day by day. With Until set, the source stops once that window is read.
/// </summary>
public sealed class ArxivOaiSource : IPaperSource
{
    public string Type => "arxiv-oai";

    public async Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken)
    {
        var query = OaiQuery.FromContext(context);
        var pages = PagesPerPoll(context);
        var state = Resume(context, query, checkpoint);
        if (state is null)
        {
            return FetchResult.Unchanged(checkpoint);
        }

        var papers = new List<DiscoveredPaper>();
        for (var page = 0; page < pages && !state.Done; page++)
        {
            var result = await OaiHarvester.FetchPageAsync(context, query, state, cancellationToken);
            papers.AddRange(result.Papers);
            state = result.Next;
        }

        return new FetchResult(papers, state.ToCheckpoint());
    }

    /// <summary>Where this poll starts; null when the configured window (with an Until) is already harvested.</summary>
    private static OaiHarvestState? Resume(SourceContext context, OaiQuery query, string? checkpoint)
    {
        var from = OaiQuery.DateOption(context, "From");
        var until = OaiQuery.DateOption(context, "Until");
        var saved = OaiHarvestState.FromCheckpoint(checkpoint);
        if (saved is null || !saved.IsFor(query))
        {
            if (checkpoint is not null)
            {
                context.Log(saved is null
                    ? "arxiv-oai: the checkpoint is unreadable; starting a new harvest"
                    : $"arxiv-oai: the checkpoint was for metadataPrefix={saved.Prefix} set={saved.Set}; starting a new harvest for the configured ones");
            }

            // Without From, a scheduled source starts with yesterday's records, not arXiv's whole history (that is
            // what the backfill command is for).
            return OaiHarvestState.Start(query, from ?? DateOnly.FromDateTime(context.Now.UtcDateTime).AddDays(-1), until);
        }

        if (!saved.Done)
        {
            return saved;
        }

        var next = saved.Next ?? DateOnly.FromDateTime(context.Now.UtcDateTime);
        return until is { } end && next > end ? null : OaiHarvestState.Start(query, next, until);
    }

    private static int PagesPerPoll(SourceContext context)
    {
        if (!context.Options.TryGetValue("PagesPerPoll", out var raw) || string.IsNullOrWhiteSpace(raw))
        {
            return 1;
        }

        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var pages) && pages is >= 1 and <= 1000
            ? pages
            : throw new SourceException($"arxiv-oai: PagesPerPoll '{raw}' is not a number from 1 to 1000");
    }
}
