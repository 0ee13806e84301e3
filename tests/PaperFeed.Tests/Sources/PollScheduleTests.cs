using System.Globalization;
using PaperFeed.Worker.Sources;
using Quartz;

namespace PaperFeed.Tests.Sources;

/// <summary><see cref="PollSchedule.TryParse"/>: intervals, Quartz cron and five-field crontab.</summary>
public sealed class PollScheduleTests
{
    private static DateTimeOffset Utc(string iso) =>
        DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>The next fire time after <paramref name="after"/>, as Quartz itself computes it, in UTC.</summary>
    private static DateTimeOffset? NextFire(PollSchedule schedule, string after) =>
        CronExpression.Parse(schedule.Cron!, schedule.Format)
            .WithTimeZone(TimeZoneInfo.Utc)
            .GetNextValidTimeAfter(Utc(after));

    // ---- intervals ----

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("1s", 1)]
    [InlineData("15m", 15 * 60)]
    [InlineData("1h", 3600)]
    [InlineData("1d", 86400)]
    [InlineData("2D", 2 * 86400)]
    [InlineData("15M", 15 * 60)]
    [InlineData("  15m  ", 15 * 60)]
    [InlineData("15 m", 15 * 60)]
    [InlineData("00:30:00", 30 * 60)]
    [InlineData("00:00:01", 1)]
    [InlineData("01:02:03", 3723)]
    [InlineData("1.02:03:04", 93784)]
    public void IntervalsGiveTheirTimeSpan(string text, int expectedSeconds)
    {
        Assert.True(PollSchedule.TryParse(text, out var schedule, out var error), error);

        Assert.Equal("", error);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), schedule.Interval);
        Assert.Null(schedule.Cron);
    }

    [Fact]
    public void IntervalToStringNamesTheInterval()
    {
        Assert.True(PollSchedule.TryParse("15m", out var schedule, out _));

        Assert.Equal("every 00:15:00", schedule.ToString());
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("0m")]
    [InlineData("0h")]
    [InlineData("0d")]
    [InlineData("00:00:00")]
    [InlineData("00:00:00.500")]
    [InlineData("-00:30:00")]
    public void IntervalsShorterThanOneSecondAreRejected(string text)
    {
        Assert.False(PollSchedule.TryParse(text, out var schedule, out var error));

        Assert.Null(schedule);
        Assert.Equal($"Schedule '{text}' is shorter than 1 s", error);
    }

    [Fact]
    public void MinimumIntervalIsOneSecond()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), PollSchedule.MinimumInterval);
    }

    [Theory]
    [InlineData("99999999999999999999s")] // more digits than a long holds
    [InlineData("9999999999999d")] // a long, but beyond TimeSpan's range
    [InlineData("9223372036854775807m")]
    public void OverflowingIntervalsAreRejectedNotThrown(string text)
    {
        // TryParse must not throw: SourceCatalog relies on it to turn a bad schedule into a ConfigError.
        var ok = PollSchedule.TryParse(text, out var schedule, out var error);

        Assert.False(ok);
        Assert.Null(schedule);
        Assert.Contains($"Schedule '{text}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30", "neither an interval")]
    [InlineData("400d", "longer than 366 days")]
    [InlineData("367.00:00:00", "longer than 366 days")]
    public void BareNumbersAndOverlongIntervalsAreRejected(string text, string reason)
    {
        var ok = PollSchedule.TryParse(text, out var schedule, out var error);

        Assert.False(ok);
        Assert.Null(schedule);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    // ---- Quartz cron (six or seven fields) ----

    [Theory]
    [InlineData("0 0 6 * * ?", "2026-01-01T00:00:00Z", "2026-01-01T06:00:00Z")]
    [InlineData("0 0 6 * * ?", "2026-01-01T06:00:00Z", "2026-01-02T06:00:00Z")]
    [InlineData("0 0/15 * * * ?", "2026-01-01T00:07:00Z", "2026-01-01T00:15:00Z")]
    [InlineData("30 15 10 ? * MON-FRI", "2026-01-03T00:00:00Z", "2026-01-05T10:15:30Z")] // Saturday -> Monday
    [InlineData("0 0 6 ? * 2", "2026-01-01T00:00:00Z", "2026-01-05T06:00:00Z")] // Quartz: 2 = Monday
    [InlineData("0 0 6 ? * 1", "2026-01-01T00:00:00Z", "2026-01-04T06:00:00Z")] // Quartz: 1 = Sunday
    [InlineData("0 0 12 1 1 ? 2027", "2026-01-01T00:00:00Z", "2027-01-01T12:00:00Z")] // seven fields
    [InlineData("0 30 1 * * ? *", "2026-01-01T00:00:00Z", "2026-01-01T01:30:00Z")] // seven fields
    public void QuartzExpressionsAreAcceptedWithQuartzFormat(string text, string after, string expectedNext)
    {
        Assert.True(PollSchedule.TryParse(text, out var schedule, out var error), error);

        Assert.Equal("", error);
        Assert.Null(schedule.Interval);
        Assert.Equal(text, schedule.Cron);
        Assert.Equal(CronFormat.Quartz, schedule.Format);
        Assert.Equal(Utc(expectedNext), NextFire(schedule, after));
    }

    // ---- five-field crontab ----

    [Theory]
    [InlineData("30 1 * * *", "2026-01-01T00:00:00Z", "2026-01-01T01:30:00Z")]
    [InlineData("30 1 * * *", "2026-01-01T01:30:00Z", "2026-01-02T01:30:00Z")]
    [InlineData("0 6 * * MON-FRI", "2026-01-01T00:00:00Z", "2026-01-01T06:00:00Z")] // Thursday
    [InlineData("0 6 * * MON-FRI", "2026-01-03T00:00:00Z", "2026-01-05T06:00:00Z")] // Saturday -> Monday
    [InlineData("0 6 * * 1", "2026-01-01T00:00:00Z", "2026-01-05T06:00:00Z")] // crontab: 1 = Monday
    [InlineData("0 6 * * 0", "2026-01-01T00:00:00Z", "2026-01-04T06:00:00Z")] // crontab: 0 = Sunday
    [InlineData("0 6 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T06:00:00Z")] // crontab: 7 = Sunday too
    [InlineData("*/15 * * * *", "2026-01-01T00:07:00Z", "2026-01-01T00:15:00Z")]
    [InlineData("0 0 1 * *", "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z")]
    public void FiveFieldExpressionsAreAcceptedWithUnixFormat(string text, string after, string expectedNext)
    {
        Assert.True(PollSchedule.TryParse(text, out var schedule, out var error), error);

        Assert.Equal("", error);
        Assert.Null(schedule.Interval);
        Assert.Equal(text, schedule.Cron);
        Assert.Equal(CronFormat.Unix, schedule.Format);
        Assert.Equal(Utc(expectedNext), NextFire(schedule, after));
    }

    [Fact]
    public void CronIsTrimmedAndToStringNamesIt()
    {
        Assert.True(PollSchedule.TryParse("  30 1 * * *  ", out var schedule, out _));

        Assert.Equal("30 1 * * *", schedule.Cron);
        Assert.Equal(CronFormat.Unix, schedule.Format);
        Assert.Equal("cron 30 1 * * *", schedule.ToString());
    }

    // ---- downtime ----

    [Theory]
    [InlineData("2026-11-23T13:00:00Z", "2026-11-27T13:00:00Z", "2026-11-24T01:30:00Z")] // down for days
    [InlineData("2026-11-27T01:29:00Z", "2026-11-27T01:31:00Z", "2026-11-27T01:30:00Z")] // down across one firing
    [InlineData("2026-11-27T01:30:02Z", "2026-11-28T01:29:59Z", null)] // the last poll was that firing's
    [InlineData("2026-11-27T02:00:00Z", "2026-11-27T13:00:00Z", null)] // nothing fell due
    public void ACronScheduleNamesTheFirstFiringMissedSinceTheLastPoll(string lastPoll, string now, string? missed)
    {
        Assert.True(PollSchedule.TryParse("30 1 * * *", out var schedule, out _));

        Assert.Equal(missed is null ? null : Utc(missed), schedule.MissedSince(Utc(lastPoll), Utc(now)));
    }

    [Fact]
    public void AnIntervalMissesNothingItStartsAtOnceAnyway()
    {
        Assert.True(PollSchedule.TryParse("1h", out var schedule, out _));

        Assert.Null(schedule.MissedSince(Utc("2026-11-20T00:00:00Z"), Utc("2026-11-27T00:00:00Z")));
    }

    // ---- garbage ----

    [Theory]
    [InlineData("every tuesday")]
    [InlineData("61 * * * *")]
    [InlineData("* 25 * * *")]
    [InlineData("* * *")]
    [InlineData("0 0 6 * * ? 2026 extra")]
    [InlineData("15x")]
    [InlineData("1.5h")]
    [InlineData("")]
    [InlineData("   ")]
    public void GarbageIsRejectedNamingTheScheduleText(string text)
    {
        Assert.False(PollSchedule.TryParse(text, out var schedule, out var error));

        Assert.Null(schedule);
        Assert.StartsWith($"Schedule '{text}' is neither an interval (15m, 1h, 00:30:00) nor a cron expression", error, StringComparison.Ordinal);
    }
}
