using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Api;

/// <summary>
/// Subscriptions and their deliveries under <c>/api</c>, and the two pages a recipient reaches from a message
/// without logging in: <c>/subscriptions/confirm</c> (double opt-in) and <c>/unsubscribe</c> (RFC 8058 one-click:
/// a POST unsubscribes, a GET shows a page with the button, so link scanners do not unsubscribe anyone).
/// </summary>
public static class SubscriptionEndpoints
{
    public static WebApplication MapSubscriptionEndpoints(this WebApplication app)
    {
        var api = app.MapGroup("/api/subscriptions");
        api.MapPost("/", Create).Accepts<CreateSubscriptionRequest>("application/json").WithName("CreateSubscription").WithSummary("Subscribe a webhook or an e-mail address; a webhook's signing secret is in this answer only");
        api.MapGet("/", List).WithName("ListSubscriptions");
        api.MapGet("/{id}", Get).WithName("GetSubscription");
        api.MapMethods("/{id}", ["PATCH"], Update).Accepts<UpdateSubscriptionRequest>("application/json").WithName("UpdateSubscription").WithSummary("Edit the filter or schedule, pause (status: paused) or resume (status: active)");
        api.MapDelete("/{id}", Delete).WithName("DeleteSubscription");
        api.MapGet("/{id}/deliveries", ListDeliveries).WithName("ListDeliveries").WithSummary("Deliveries newest first, with state, attempts, next attempt and last error");
        api.MapPost("/{id}/deliveries/{deliveryId}/replay", Replay).WithName("ReplayDelivery").WithSummary("Send a failed, dead or delivered delivery again (same webhook-id)");

        app.MapGet("/subscriptions/confirm", (string? token) => Page("Confirm your subscription", "Confirm the subscription to start receiving papers.", "Confirm", token))
            .ExcludeFromDescription();
        app.MapPost("/subscriptions/confirm", Confirm).ExcludeFromDescription().DisableAntiforgery();
        app.MapGet("/unsubscribe", (string? token) => Page("Unsubscribe", "Stop receiving these messages.", "Unsubscribe", token)).ExcludeFromDescription();
        app.MapPost("/unsubscribe", Unsubscribe).ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    private static async Task<Results<Created<SubscriptionResponse>, ProblemHttpResult>> Create(
        HttpRequest http, SubscriptionService service, IOptions<WebhookOptions> webhooks, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<CreateSubscriptionRequest>(http, json.Value.SerializerOptions, ct);
        if (request is null)
        {
            return problem!;
        }

        var (channel, errors) = SubscriptionRequestValidation.Channel(request.Channel, url => WebhookAddressPolicy.ValidateUrl(url, webhooks.Value));
        var filter = (request.Filter ?? new FilterRequest(null, null, null, null, null, null, null)).ToFilter();
        errors.AddRange(SubscriptionRequestValidation.Filter(filter));
        errors.AddRange(SubscriptionRequestValidation.Name(request.Name));
        var schedule = SubscriptionRequestValidation.Schedule(new DeliverySchedule(), request.Mode, request.SendAt, request.TimeZone, request.Day, errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        var subscription = await service.CreateAsync(request.Name, channel!, filter, schedule, request.NotifyRevisions ?? false, ct);
        return TypedResults.Created($"/api/subscriptions/{subscription.Id}", SubscriptionResponse.From(subscription, withSecret: true));
    }

    private static async Task<Ok<List<SubscriptionResponse>>> List(ISubscriptionStore store, CancellationToken ct) =>
        TypedResults.Ok((await store.ListAsync(ct)).Select(s => SubscriptionResponse.From(s)).ToList());

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Get(string id, ISubscriptionStore store, CancellationToken ct) =>
        await store.GetAsync(id, ct) is { } subscription ? TypedResults.Ok(SubscriptionResponse.From(subscription)) : NotFound(id);

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Update(
        string id, HttpRequest http, SubscriptionService service, ISubscriptionStore store, TimeProvider time, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<UpdateSubscriptionRequest>(http, json.Value.SerializerOptions, ct);
        if (request is null)
        {
            return problem!;
        }

        var current = await store.GetAsync(id, ct);
        if (current is null)
        {
            return NotFound(id);
        }

        var errors = SubscriptionRequestValidation.Name(request.Name);
        var filter = request.Filter?.ToFilter() ?? current.Filter;
        if (request.Filter is not null)
        {
            errors.AddRange(SubscriptionRequestValidation.Filter(filter));
        }

        var schedule = SubscriptionRequestValidation.Schedule(current.Schedule, request.Mode, request.SendAt, request.TimeZone, request.Day, errors);
        var status = request.Status?.Trim().ToLowerInvariant();
        if (status is not (null or "paused" or "active"))
        {
            errors.Add($"status '{request.Status}' is not one of paused, active");
        }

        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        if (status == "active" && current.Status is SubscriptionStatus.Pending or SubscriptionStatus.Unsubscribed)
        {
            return TypedResults.Problem(
                current.Status == SubscriptionStatus.Pending
                    ? "the subscription is waiting for its address to be confirmed through the link sent to it"
                    : "the recipient unsubscribed; create a new subscription (it will ask the address to confirm again)",
                statusCode: 409);
        }

        var updated = await service.UpdateAsync(
            id,
            s =>
            {
                var next = s with
                {
                    Name = request.Name is null ? s.Name : request.Name.Trim() is { Length: > 0 } name ? name : null,
                    Filter = filter,
                    Schedule = schedule,
                    NotifyRevisions = request.NotifyRevisions ?? s.NotifyRevisions,
                };
                return status switch
                {
                    "paused" when s.Status == SubscriptionStatus.Active => next with { Status = SubscriptionStatus.Paused, PausedReason = "paused by its owner", PausedAt = time.GetUtcNow() },
                    "active" when s.Status == SubscriptionStatus.Paused => next with { Status = SubscriptionStatus.Active, PausedReason = null, PausedAt = null, FailingSince = null },
                    _ => next,
                };
            },
            ct);
        return updated is null ? NotFound(id) : TypedResults.Ok(SubscriptionResponse.From(updated));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, SubscriptionService service, CancellationToken ct) =>
        await service.DeleteAsync(id, ct) ? TypedResults.NoContent() : NotFound(id);

    private static async Task<Results<Ok<List<DeliveryResponse>>, ProblemHttpResult>> ListDeliveries(
        string id, int? limit, string? before, ISubscriptionStore store, IDeliveryStore deliveries, CancellationToken ct)
    {
        if (limit is < 1 or > 500)
        {
            return TypedResults.Problem($"limit must be between 1 and 500 (was {limit})", statusCode: 400);
        }

        if (await store.GetAsync(id, ct) is null)
        {
            return NotFound(id);
        }

        var list = await deliveries.ListBySubscriptionAsync(id, limit ?? 50, before, ct);
        return TypedResults.Ok(list.Select(DeliveryResponse.From).ToList());
    }

    private static async Task<Results<Accepted<DeliveryResponse>, ProblemHttpResult>> Replay(
        string id, string deliveryId, IDeliveryStore deliveries, IPublishEndpoint publish, TimeProvider time, CancellationToken ct)
    {
        var delivery = await deliveries.GetAsync(deliveryId, ct);
        if (delivery is null || delivery.SubscriptionId != id)
        {
            return TypedResults.Problem($"subscription {id} has no delivery {deliveryId}", statusCode: 404);
        }

        var replayed = await deliveries.ReplayAsync(deliveryId, time.GetUtcNow(), ct);
        if (replayed is null)
        {
            return TypedResults.Problem($"delivery {deliveryId} is {delivery.State.ToString().ToLowerInvariant()}; only failed, dead or delivered ones can be replayed", statusCode: 409);
        }

        await publish.Publish(new DeliverNotification(deliveryId), ct);
        return TypedResults.Accepted($"/api/subscriptions/{id}/deliveries", DeliveryResponse.From(replayed));
    }

    private static async Task<ContentHttpResult> Confirm(string? token, SubscriptionTokens tokens, SubscriptionService service, CancellationToken ct)
    {
        var id = await tokens.VerifyAsync(token, TokenPurpose.Confirm, ct);
        var subscription = id is null ? null : await service.ConfirmAsync(id, ct);
        return subscription switch
        {
            null => Html(400, "Link not valid", "This confirmation link is not valid or the subscription no longer exists."),
            { Status: SubscriptionStatus.Active } => Html(200, "Subscription confirmed", "You will receive papers matching this subscription."),
            _ => Html(409, "Not confirmed", $"This subscription is {subscription.Status.ToString().ToLowerInvariant()}."),
        };
    }

    private static async Task<ContentHttpResult> Unsubscribe(string? token, SubscriptionTokens tokens, SubscriptionService service, CancellationToken ct)
    {
        var id = await tokens.VerifyAsync(token, TokenPurpose.Unsubscribe, ct);
        if (id is null)
        {
            return Html(400, "Link not valid", "This unsubscribe link is not valid.");
        }

        // Unsubscribing something already deleted is still a success for the recipient.
        await service.UnsubscribeAsync(id, ct);
        return Html(200, "Unsubscribed", "You will not receive messages from this subscription any more.");
    }

    private static ContentHttpResult Page(string title, string text, string button, string? token) =>
        string.IsNullOrEmpty(token)
            ? Html(400, "Link not valid", "The link has no token.")
            : Html(200, title, text, $"""<form method="post"><button type="submit">{button}</button></form>""");

    private static ContentHttpResult Html(int status, string title, string text, string extra = "") =>
        TypedResults.Content(
            $"""<!doctype html><html><head><meta charset="utf-8"><title>{title} – PaperFeed</title></head><body><h1>{title}</h1><p>{text}</p>{extra}</body></html>""",
            "text/html; charset=utf-8",
            statusCode: status);

    private static ProblemHttpResult NotFound(string id) => TypedResults.Problem($"no subscription with id {id}", statusCode: 404);

    private static ProblemHttpResult Invalid(List<string> errors) =>
        TypedResults.Problem(
            string.Join("; ", errors),
            statusCode: 400,
            title: "The subscription is not valid",
            extensions: new Dictionary<string, object?> { ["errors"] = errors });
}
