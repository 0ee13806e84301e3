using System.Globalization;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications.Digest;

/// <summary>The day or week a digest covers, computed in the subscription's own time zone (DST-aware).</summary>
public static class DigestPeriods
{
    /// <summary>
    /// The latest period that has ended at <paramref name="now"/>: it ends at the most recent send time (daily:
    /// <see cref="DeliverySchedule.SendAt"/> on any day; weekly: on <see cref="DeliverySchedule.Day"/>) and starts one
    /// day or week before. Keys name the local date the period ends on (<c>2026-11-27</c>) or its ISO week (<c>2026-W48</c>).
    /// </summary>
    public static DigestPeriod Latest(DeliverySchedule schedule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var weekly = schedule.Mode == DeliveryMode.Weekly;
        var step = weekly ? 7 : 1;

        var day = local.Date;
        if (weekly)
        {
            day = day.AddDays(-(((int)day.DayOfWeek - (int)schedule.Day + 7) % 7));
        }

        var end = day + schedule.SendAt.ToTimeSpan();
        if (end > local)
        {
            end = end.AddDays(-step);
        }

        var key = weekly
            ? $"{ISOWeek.GetYear(end):D4}-W{ISOWeek.GetWeekOfYear(end):D2}"
            : end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new DigestPeriod(key, ToUtc(end.AddDays(-step), zone), ToUtc(end, zone));
    }

    /// <summary>A local time as an instant; a time skipped by a DST change moves forward by the gap, an ambiguous one takes the earlier instant.</summary>
    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
