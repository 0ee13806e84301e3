using PaperFeed.Worker.Messaging;

namespace PaperFeed.Tests.Messaging;

/// <summary>When the watchdog restarts the bus: after the limit of being stuck, never for other failures, and less often when restarts do not help.</summary>
public sealed class PublishStallTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ARestartIsDueOnceStuckForTheLimitAndNotBefore()
    {
        var stall = new PublishStall(Limit);

        Assert.False(stall.Observe(Publishing.Stuck, Start));
        Assert.False(stall.Observe(Publishing.Stuck, Start + Limit - TimeSpan.FromSeconds(1)));
        Assert.True(stall.Observe(Publishing.Stuck, Start + Limit));
        Assert.Equal(Limit, stall.StuckFor(Start + Limit));
    }

    [Theory]
    [InlineData(Publishing.Works)]
    [InlineData(Publishing.Reconnecting)]
    [InlineData(Publishing.BrokerNotTaking)]
    public void AnyOtherLookStartsTheStallOver(Publishing between)
    {
        var stall = new PublishStall(Limit);
        stall.Observe(Publishing.Stuck, Start);

        Assert.False(stall.Observe(between, Start + TimeSpan.FromSeconds(15)));
        Assert.False(stall.Observe(Publishing.Stuck, Start + TimeSpan.FromSeconds(20)));
        Assert.False(stall.Observe(Publishing.Stuck, Start + TimeSpan.FromSeconds(39)));
        Assert.True(stall.Observe(Publishing.Stuck, Start + TimeSpan.FromSeconds(40)));
    }

    [Theory]
    [InlineData(Publishing.Reconnecting)]
    [InlineData(Publishing.BrokerNotTaking)]
    public void ABrokerThatTakesNoPublishesIsNeverARestart(Publishing state)
    {
        var stall = new PublishStall(Limit);

        var restarts = Enumerable.Range(0, 100).Count(i => stall.Observe(state, Start + TimeSpan.FromSeconds(5 * i)));

        Assert.Equal(0, restarts);
    }

    [Fact]
    public void EachRestartThatDidNotHelpDoublesTheWaitUpToTheMaximum()
    {
        var stall = new PublishStall(Limit);
        var now = Start;
        var waits = new List<TimeSpan>();
        for (var restart = 0; restart < 8; restart++)
        {
            var since = now;
            while (!stall.Observe(Publishing.Stuck, now))
            {
                now += TimeSpan.FromSeconds(5);
            }

            waits.Add(now - since);
            stall.Restarting();
            now += TimeSpan.FromSeconds(5);
        }

        Assert.Equal(
            [20, 40, 80, 160, 320, 640, 900, 900],
            waits.Select(w => (int)w.TotalSeconds));
    }

    [Fact]
    public void PublishingThatWorksAfterARestartBringsTheLimitBack()
    {
        var stall = new PublishStall(Limit);
        stall.Observe(Publishing.Stuck, Start);
        Assert.True(stall.Observe(Publishing.Stuck, Start + Limit));
        stall.Restarting();
        Assert.Equal(2 * Limit, stall.Limit);

        stall.Observe(Publishing.Works, Start + TimeSpan.FromSeconds(30));

        Assert.Equal(Limit, stall.Limit);
        stall.Observe(Publishing.Stuck, Start + TimeSpan.FromSeconds(35));
        Assert.True(stall.Observe(Publishing.Stuck, Start + TimeSpan.FromSeconds(55)));
    }

    [Fact]
    public void AConfiguredLimitAboveTheMaximumIsKept()
    {
        var stall = new PublishStall(TimeSpan.FromHours(1));

        stall.Restarting();

        Assert.Equal(TimeSpan.FromHours(1), stall.Limit);
    }
}
