using System.Globalization;
using System.Text.Json.Serialization;
using MimeKit;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Worker.Api;

/// <summary>Where notifications go: <c>{"type": "webhook", "url": …, "format": "standard|slack|discord"}</c> or <c>{"type": "email", "address": …}</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ChannelRequest(string? Type, string? Url, string? Format, string? Address);

/// <summary>Which papers: every facet given must hold; within one, any value.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FilterRequest(
    IReadOnlyList<string>? Keywords,
    IReadOnlyList<string>? Exclude,
    IReadOnlyList<string>? Categories,
    IReadOnlyList<string>? Authors,
    IReadOnlyList<string>? Sources,
    int? MinUpvotes,
    bool? HasCode)
{
    public SubscriptionFilter ToFilter() => new()
    {
        Keywords = Keywords ?? [],
        Exclude = Exclude ?? [],
        Categories = Categories ?? [],
        Authors = Authors ?? [],
        Sources = Sources ?? [],
        MinUpvotes = MinUpvotes,
        HasCode = HasCode ?? false,
    };
}

/// <summary>A new subscription. <c>mode</c>: instant (default), daily or weekly; digests are sent at <c>sendAt</c> (HH:mm) in <c>timeZone</c> (IANA), weekly ones on <c>day</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateSubscriptionRequest(
    string? Name,
    ChannelRequest? Channel,
    FilterRequest? Filter,
    string? Mode,
    string? SendAt,
    string? TimeZone,
    string? Day,
    bool? NotifyRevisions);

/// <summary>Changes to a subscription; what is left out stays. <c>status</c>: <c>paused</c> or <c>active</c> (resume).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateSubscriptionRequest(
    string? Name,
    FilterRequest? Filter,
    string? Status,
    string? Mode,
    string? SendAt,
    string? TimeZone,
    string? Day,
    bool? NotifyRevisions);

public sealed record ChannelResponse(string Type, string? Url, string? Format, string? Address);

public sealed record ScheduleResponse(string Mode, string SendAt, string TimeZone, string Day);

/// <summary>A subscription as the API shows it; <see cref="Secret"/> only in the answer to its creation.</summary>
public sealed record SubscriptionResponse(
    string Id,
    string? Name,
    string Status,
    string? PausedReason,
    DateTimeOffset? PausedAt,
    ChannelResponse Channel,
    SubscriptionFilter Filter,
    ScheduleResponse Schedule,
    bool NotifyRevisions,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset? FailingSince,
    string? Secret = null)
{
    public static SubscriptionResponse From(Subscription s, bool withSecret = false) => new(
        s.Id, s.Name, Lower(s.Status), s.PausedReason, s.PausedAt,
        new ChannelResponse(Lower(s.Channel.Kind), s.Channel.Url, s.Channel.Kind == ChannelKind.Webhook ? Lower(s.Channel.Format) : null, s.Channel.Address),
        s.Filter,
        new ScheduleResponse(Lower(s.Schedule.Mode), s.Schedule.SendAt.ToString("HH:mm", CultureInfo.InvariantCulture), s.Schedule.TimeZone, Lower(s.Schedule.Day)),
        s.NotifyRevisions, s.CreatedAt, s.UpdatedAt, s.ConfirmedAt, s.FailingSince,
        withSecret ? s.Channel.Secret : null);

    internal static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}

/// <summary>A delivery as the API shows it: its state, attempts and last error, and which papers it carries.</summary>
public sealed record DeliveryResponse(
    string Id,
    string Event,
    string Channel,
    string State,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset? DeliveredAt,
    DigestPeriod? Period,
    IReadOnlyList<DeliveryPaperResponse> Papers)
{
    public static DeliveryResponse From(Delivery d) => new(
        d.Id, d.Event, SubscriptionResponse.Lower(d.Channel), SubscriptionResponse.Lower(d.State), d.Attempts, d.CreatedAt,
        d.State is DeliveryState.Pending or DeliveryState.Failed ? d.NextAttemptAt : null,
        d.LastAttemptAt, d.LastStatusCode, d.LastError, d.DeliveredAt, d.Period,
        d.Papers.Select(p => new DeliveryPaperResponse(p.Id, p.Paper.Title, p.Score)).ToList());
}

public sealed record DeliveryPaperResponse(string Id, string Title, double? Score);

/// <summary>Turns requests into the model, collecting every problem as a message that names the field.</summary>
internal static class SubscriptionRequestValidation
{
    public static (SubscriptionChannel? Channel, List<string> Errors) Channel(ChannelRequest? request, Func<string, string?> validateWebhookUrl)
    {
        var errors = new List<string>();
        if (request is null)
        {
            errors.Add("channel is required: {\"type\": \"webhook\", \"url\": \"https://…\"} or {\"type\": \"email\", \"address\": \"…\"}");
            return (null, errors);
        }

        switch (request.Type?.Trim().ToLowerInvariant())
        {
            case "webhook":
                var format = WebhookFormat.Standard;
                if (request.Format is not null && !TryParseEnum(request.Format, out format))
                {
                    errors.Add($"channel.format '{request.Format}' is not one of standard, slack, discord");
                }

                if (request.Address is not null)
                {
                    errors.Add("channel.address is for email channels; a webhook has a url");
                }

                if (string.IsNullOrWhiteSpace(request.Url))
                {
                    errors.Add("channel.url is required for a webhook");
                }
                else if (validateWebhookUrl(request.Url.Trim()) is { } urlError)
                {
                    errors.Add($"channel.url: {urlError}");
                }

                return (errors.Count == 0 ? new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = request.Url!.Trim(), Format = format } : null, errors);

            case "email":
                if (request.Url is not null || request.Format is not null)
                {
                    errors.Add("channel.url and channel.format are for webhooks; an email channel has an address");
                }

                var address = request.Address?.Trim();
                if (string.IsNullOrEmpty(address))
                {
                    errors.Add("channel.address is required for email");
                }
                else if (!MailboxAddress.TryParse(address, out var mailbox) || mailbox.Address != address || !mailbox.Address.Contains('@', StringComparison.Ordinal) || address.Length > 254)
                {
                    errors.Add($"channel.address '{address}' is not an e-mail address (expected name@example.org)");
                }

                return (errors.Count == 0 ? new SubscriptionChannel { Kind = ChannelKind.Email, Address = address } : null, errors);

            case null or "":
                errors.Add("channel.type is required: webhook or email");
                return (null, errors);
            default:
                errors.Add($"channel.type '{request.Type}' is not one of webhook, email");
                return (null, errors);
        }
    }

    public static DeliverySchedule Schedule(DeliverySchedule current, string? mode, string? sendAt, string? timeZone, string? day, List<string> errors)
    {
        var schedule = current;
        if (mode is not null)
        {
            if (TryParseEnum<DeliveryMode>(mode, out var parsed))
            {
                schedule = schedule with { Mode = parsed };
            }
            else
            {
                errors.Add($"mode '{mode}' is not one of instant, daily, weekly");
            }
        }

        if (sendAt is not null)
        {
            if (TimeOnly.TryParseExact(sendAt.Trim(), ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            {
                schedule = schedule with { SendAt = at };
            }
            else
            {
                errors.Add($"sendAt '{sendAt}' is not a time of day as HH:mm (e.g. 08:00)");
            }
        }

        if (timeZone is not null)
        {
            if (IsTimeZone(timeZone.Trim()))
            {
                schedule = schedule with { TimeZone = timeZone.Trim() };
            }
            else
            {
                errors.Add($"timeZone '{timeZone}' is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)");
            }
        }

        if (day is not null)
        {
            if (TryParseEnum<DayOfWeek>(day, out var weekday))
            {
                schedule = schedule with { Day = weekday };
            }
            else
            {
                errors.Add($"day '{day}' is not a day of the week (monday … sunday)");
            }
        }

        return schedule;
    }

    public static List<string> Filter(SubscriptionFilter filter) => [.. SubscriptionFilterValidator.Validate(filter)];

    public static List<string> Name(string? name)
    {
        return name is { Length: > 200 } ? [$"name is {name.Length} characters long; at most 200"] : [];
    }

    private static bool IsTimeZone(string id)
    {
        if (id.Length is 0 or > 64 || id.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Enum names only (case-insensitive), never numbers.</summary>
    private static bool TryParseEnum<T>(string text, out T value)
        where T : struct, Enum =>
        Enum.TryParse(text.Trim(), ignoreCase: true, out value) && !text.Trim().All(c => char.IsAsciiDigit(c) || c == '-') && Enum.IsDefined(value);
}
