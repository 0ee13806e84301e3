using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;

namespace PaperFeed.Worker.Api;

public static class ApiEndpoints
{
    public static WebApplication MapPaperFeedApi(this WebApplication app)
    {
        var api = app.MapGroup("/api");

        api.MapGet("/papers", ListPapers).WithName("ListPapers").WithSummary("Papers, newest first; q searches title, abstract and authors");
        api.MapGet("/papers/{**id}", GetPaper).WithName("GetPaper").WithSummary("A paper by any identifier: arxiv:2405.12345, 2405.12345v3, a DOI or doi.org URL");
        api.MapGet("/sources", ListSources).WithName("ListSources").WithSummary("Configured sources with their polling health");
        api.MapPost("/sources/{name}/poll", PollSource).WithName("PollSource").WithSummary("Poll a source now, ignoring any back-off");
        return app;
    }

    private static async Task<Results<Ok<PaperListResponse>, ProblemHttpResult>> ListPapers(
        IPaperStore store, string? q, string? source, string? since, int? limit, string? cursor, CancellationToken ct)
    {
        DateTimeOffset? sinceAt = null;
        if (!string.IsNullOrWhiteSpace(since))
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return TypedResults.Problem($"since '{since}' is not a date (use ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z)", statusCode: 400);
            }

            sinceAt = parsed;
        }

        if (limit is < 1 or > 200)
        {
            return TypedResults.Problem($"limit must be between 1 and 200 (was {limit})", statusCode: 400);
        }

        try
        {
            var page = await store.ListAsync(new PaperQuery(q, source, sinceAt, limit ?? 50, cursor), ct);
            return TypedResults.Ok(new PaperListResponse(page.Items.Select(PaperResponse.From).ToList(), page.NextCursor));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: 400);
        }
    }

    private static async Task<Results<Ok<PaperResponse>, ProblemHttpResult>> GetPaper(IPaperStore store, string id, CancellationToken ct)
    {
        var key = PaperIdentity.LookupKey(id);
        if (key is null)
        {
            return TypedResults.Problem($"'{id}' is not a paper identifier (expected arxiv:…, an arXiv id, a DOI, or title:…)", statusCode: 400);
        }

        var paper = await store.FindAsync(key, ct);
        return paper is null
            ? TypedResults.Problem($"no paper with identifier {key}", statusCode: 404)
            : TypedResults.Ok(PaperResponse.From(paper));
    }

    private static async Task<Ok<List<SourceResponseItem>>> ListSources(
        SourceRegistry registry, ISourceStateStore states, PollTrigger polls, CancellationToken ct)
    {
        var known = (await states.ListAsync(ct)).ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var items = new List<SourceResponseItem>(registry.Sources.Count);
        foreach (var s in registry.Sources)
        {
            var st = known.GetValueOrDefault(s.Name) ?? new SourceState { Name = s.Name };

            // A scheduled poll inside a back-off is skipped: the next real poll is the first firing after it.
            var next = s.Runnable ? await polls.NextFireAsync(s.Name, st.BackoffUntil, ct) : null;
            items.Add(new SourceResponseItem(
                s.Name, s.Type, s.Url?.AbsoluteUri, s.Schedule, s.Enabled, s.ConfigError,
                st.ConsecutiveErrors, st.LastError, st.LastErrorAt, st.LastSuccessAt, st.LastPaperCount, st.BackoffUntil, next, st.Checkpoint));
        }

        return TypedResults.Ok(items);
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> PollSource(SourceRegistry registry, PollTrigger trigger, string name, CancellationToken ct)
    {
        var source = registry.Find(name);
        if (source is null)
        {
            return TypedResults.Problem($"no source named '{name}'", statusCode: 404);
        }

        if (!source.Runnable)
        {
            return TypedResults.Problem(source.ConfigError ?? $"source '{name}' is disabled", statusCode: 409);
        }

        await trigger.TriggerAsync(source.Name, ct);
        return TypedResults.Accepted($"/api/sources");
    }
}
