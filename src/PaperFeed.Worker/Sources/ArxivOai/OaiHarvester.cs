using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.ArxivOai;

/// <summary>One page of a harvest: its papers, what the response said, and the state to save once they are published.</summary>
/// <param name="Restarted">The saved resumptionToken was refused (badResumptionToken), so this page is the window's first again.</param>
public sealed record OaiPageResult(IReadOnlyList<DiscoveredPaper> Papers, OaiPageInfo Info, OaiHarvestState Next, bool Restarted);

/// <summary>
/// The harvesting engine: asks for one page of a window at a time (ListRecords, then resumptionToken after
/// resumptionToken) and turns the repository's answers into the next state. The scheduled source and the
/// <c>backfill</c> command both run on it.
/// </summary>
public static class OaiHarvester
{
    /// <summary>Fetches the next page of <paramref name="state"/>.</summary>
    /// <exception cref="SourceException">HTTP errors, an unreadable response, or an OAI error other than noRecordsMatch / badResumptionToken.</exception>
    public static async Task<OaiPageResult> FetchPageAsync(SourceContext context, OaiQuery query, OaiHarvestState state, CancellationToken cancellationToken)
    {
        if (state.Done)
        {
            throw new InvalidOperationException($"the harvest of {state.Window} is complete; start a new window");
        }

        var page = await GetAsync(context, query, state, cancellationToken);
        var restarted = false;
        if (page?.Info.Error is { Code: "badResumptionToken" } refused && state.Token is not null)
        {
            // Tokens expire (arXiv's live for a while only) and die with a repository restart; records are
            // deduplicated downstream, so reading the window again from its start loses nothing.
            context.Log($"arxiv-oai: the repository refused the resumptionToken '{state.Token}' (badResumptionToken: {refused.Message}); restarting the window {state.Window} from its start");
            state = state with { Token = null, Harvested = 0, Size = null };
            page = await GetAsync(context, query, state, cancellationToken);
            restarted = true;
        }

        if (page is null)
        {
            // 304 for a window's first page: the same answer as when it was last harvested.
            return new OaiPageResult([], new OaiPageInfo(), Complete(state, null, context), restarted);
        }

        switch (page.Info.Error)
        {
            case null:
                break;
            case { Code: "noRecordsMatch" }:
                return new OaiPageResult([], page.Info, Complete(state, page.Info.ResponseDate, context), restarted);
            case var error:
                throw new SourceException($"arxiv-oai: the repository answered {error.Code}: {error.Message}");
        }

        var harvested = state.Harvested + page.Info.Records;
        var next = page.Info.ResumptionToken is { } token
            ? state with { Token = token, Harvested = harvested, Size = page.Info.CompleteListSize ?? state.Size }
            : Complete(state with { Harvested = harvested, Size = page.Info.CompleteListSize ?? state.Size }, page.Info.ResponseDate, context);
        return new OaiPageResult(page.Papers, page.Info, next, restarted);
    }

    /// <summary>
    /// Harvests page after page until the window is complete or <paramref name="stop"/> is signalled. Each page is
    /// handed to <paramref name="onPage"/> (publish its papers, then save <see cref="OaiPageResult.Next"/>) before
    /// the next is asked for, so a stop or a crash loses at most the page in flight.
    /// </summary>
    /// <param name="stop">Ends the harvest between pages (the page in flight is finished).</param>
    /// <param name="cancellationToken">Abandons the page in flight.</param>
    /// <returns>The state after the last page handled.</returns>
    public static async Task<OaiHarvestState> RunAsync(
        SourceContext context,
        OaiQuery query,
        OaiHarvestState state,
        Func<OaiPageResult, CancellationToken, Task> onPage,
        CancellationToken stop,
        CancellationToken cancellationToken)
    {
        while (!state.Done && !stop.IsCancellationRequested)
        {
            var page = await FetchPageAsync(context, query, state, cancellationToken);
            await onPage(page, cancellationToken);
            state = page.Next;
        }

        return state;
    }

    private static async Task<OaiPage?> GetAsync(SourceContext context, OaiQuery query, OaiHarvestState state, CancellationToken cancellationToken)
    {
        var response = await context.GetAsync(query.ListRecords(state), cancellationToken);
        return response.NotModified ? null : OaiParser.Parse(response.Body);
    }

    /// <summary>
    /// The window is read. The next one starts the day after an explicit <c>until</c> that is already past (OAI
    /// dates are inclusive), else on the day of the response: that day may still grow, and what is read twice is
    /// deduplicated downstream.
    /// </summary>
    private static OaiHarvestState Complete(OaiHarvestState state, DateTimeOffset? responseDate, SourceContext context)
    {
        var answered = DateOnly.FromDateTime((responseDate ?? context.Now).UtcDateTime);
        var next = state.Until is { } until && until < answered ? until.AddDays(1) : answered;
        return state with { Token = null, Done = true, Next = next };
    }
}
