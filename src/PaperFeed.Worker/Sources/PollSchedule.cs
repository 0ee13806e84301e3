using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Quartz;

namespace PaperFeed.Worker.Sources;

/// <summary>
/// A source's schedule: an interval (<c>90s</c>, <c>15m</c>, <c>1h</c>, <c>1d</c>, <c>00:15:00</c>) or a cron
/// expression — Quartz's six or seven fields (<c>0 0 6 * * ?</c>) or classic five-field crontab (<c>0 6 * * *</c>).
/// </summary>
public sealed partial record PollSchedule(TimeSpan? Interval, string? Cron, CronFormat Format = CronFormat.Quartz)
{
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaximumInterval = TimeSpan.FromDays(366);

    [GeneratedRegex(@"^(?<n>\d+)\s*(?<u>s|m|h|d)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Shorthand();

    public static bool TryParse(string text, [NotNullWhen(true)] out PollSchedule? schedule, out string error)
    {
        schedule = null;
        error = "";
        var s = text.Trim();
        var m = Shorthand().Match(s);
        TimeSpan interval = default;
        if (m.Success)
        {
            var seconds = char.ToLowerInvariant(m.Groups["u"].Value[0]) switch
            {
                's' => 1L,
                'm' => 60L,
                'h' => 3600L,
                _ => 86400L,
            };
            if (!long.TryParse(m.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > MaximumInterval.TotalSeconds / seconds)
            {
                error = $"Schedule '{text}' is longer than {MaximumInterval.TotalDays:0} days";
                return false;
            }

            interval = TimeSpan.FromSeconds(n * seconds);
        }

        // TimeSpan's own form needs a colon: TimeSpan.Parse reads a bare "30" as thirty days.
        if (m.Success || (s.Contains(':', StringComparison.Ordinal) && !s.Contains(' ', StringComparison.Ordinal) && TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out interval)))
        {
            if (interval < MinimumInterval)
            {
                error = $"Schedule '{text}' is shorter than {MinimumInterval.TotalSeconds:0} s";
                return false;
            }

            if (interval > MaximumInterval)
            {
                error = $"Schedule '{text}' is longer than {MaximumInterval.TotalDays:0} days";
                return false;
            }

            schedule = new PollSchedule(interval, null);
            return true;
        }

        // Five fields are classic crontab (Sunday is 0 or 7); six or seven are Quartz's own (Sunday is 1).
        var format = s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 5 ? CronFormat.Unix : CronFormat.Quartz;
        if (!CronExpression.TryParse(s, format, out _))
        {
            string detail;
            try
            {
                CronExpression.Parse(s, format);
                detail = "";
            }
            catch (FormatException ex)
            {
                detail = ": " + ex.Message;
            }

            error = $"Schedule '{text}' is neither an interval (15m, 1h, 00:30:00) nor a cron expression{detail}";
            return false;
        }

        schedule = new PollSchedule(null, s, format);
        return true;
    }

    /// <summary>
    /// For a cron schedule, its first firing after <paramref name="after"/> when that is no later than
    /// <paramref name="now"/> (a firing nobody ran); null for an interval, or when none was missed.
    /// </summary>
    public DateTimeOffset? MissedSince(DateTimeOffset after, DateTimeOffset now)
    {
        if (Cron is null || !CronExpression.TryParse(Cron, Format, out var expression))
        {
            return null;
        }

        return expression.WithTimeZone(TimeZoneInfo.Utc).GetNextValidTimeAfter(after) is { } next && next <= now ? next : null;
    }

    public override string ToString() => Interval is { } i ? $"every {i}" : $"cron {Cron}";
}
