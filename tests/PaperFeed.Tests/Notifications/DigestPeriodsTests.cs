using PaperFeed.Worker.Notifications.Digest;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Tests.Notifications;

public sealed class DigestPeriodsTests
{
    private static DeliverySchedule Daily(string zone, int hour = 8) => new() { Mode = DeliveryMode.Daily, SendAt = new TimeOnly(hour, 0), TimeZone = zone };

    [Fact]
    public void ADailyPeriodEndsAtTheLastSendTimeInTheZone()
    {
        // 2026-11-27 07:30 UTC is 08:30 in Berlin (UTC+1): today's 08:00 has passed.
        var period = DigestPeriods.Latest(Daily("Europe/Berlin"), new DateTimeOffset(2026, 11, 27, 7, 30, 0, TimeSpan.Zero));

        Assert.Equal("2026-11-27", period.Key);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 7, 0, 0, TimeSpan.Zero), period.End);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 7, 0, 0, TimeSpan.Zero), period.Start);
    }

    [Fact]
    public void BeforeTodaysSendTimeThePeriodIsYesterdays()
    {
        var period = DigestPeriods.Latest(Daily("Europe/Berlin"), new DateTimeOffset(2026, 11, 27, 6, 59, 0, TimeSpan.Zero));

        Assert.Equal("2026-11-26", period.Key);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 7, 0, 0, TimeSpan.Zero), period.End);
    }

    [Fact]
    public void TheSameInstantIsADifferentDayInAnotherZone()
    {
        var now = new DateTimeOffset(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);

        Assert.Equal("2026-11-26", DigestPeriods.Latest(Daily("Europe/Berlin"), now).Key);
        Assert.Equal("2026-11-27", DigestPeriods.Latest(Daily("Asia/Tokyo"), now).Key); // 12:00 in Tokyo
    }

    [Fact]
    public void AcrossTheSpringChangeTheDayIsShorter()
    {
        // Berlin moved to UTC+2 on 2026-03-29.
        var period = DigestPeriods.Latest(Daily("Europe/Berlin"), new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 6, 0, 0, TimeSpan.Zero), period.End);
        Assert.Equal(TimeSpan.FromHours(23), period.End - period.Start);
    }

    [Fact]
    public void ASendTimeInsideTheSpringGapMovesPastIt()
    {
        var period = DigestPeriods.Latest(
            new DeliverySchedule { Mode = DeliveryMode.Daily, SendAt = new TimeOnly(2, 30), TimeZone = "Europe/Berlin" },
            new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal("2026-03-29", period.Key);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), period.End); // 03:00 CEST
    }

    [Fact]
    public void AWeeklyPeriodEndsOnItsDayAndIsNamedByIsoWeek()
    {
        var schedule = new DeliverySchedule { Mode = DeliveryMode.Weekly, SendAt = new TimeOnly(9, 0), TimeZone = "UTC", Day = DayOfWeek.Monday };

        // Friday 2026-11-27: the last Monday 09:00 was 2026-11-23 (ISO week 48).
        var period = DigestPeriods.Latest(schedule, new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var onTheDayBefore = DigestPeriods.Latest(schedule, new DateTimeOffset(2026, 11, 30, 8, 59, 0, TimeSpan.Zero));
        var onTheDayAfter = DigestPeriods.Latest(schedule, new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

        Assert.Equal("2026-W48", period.Key);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero), period.End);
        Assert.Equal(TimeSpan.FromDays(7), period.End - period.Start);
        Assert.Equal("2026-W48", onTheDayBefore.Key);
        Assert.Equal("2026-W49", onTheDayAfter.Key);
    }
}
