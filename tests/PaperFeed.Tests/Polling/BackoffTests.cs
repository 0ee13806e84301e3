using PaperFeed.Worker.Polling;

namespace PaperFeed.Tests.Polling;

/// <summary><see cref="SourcePoller.Backoff"/>: base × 2^(errors−1), capped at the maximum.</summary>
public sealed class BackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Max = TimeSpan.FromHours(6);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(9, 256)]
    [InlineData(10, 360)]
    [InlineData(11, 360)]
    [InlineData(31, 360)]
    [InlineData(32, 360)]
    [InlineData(64, 360)]
    [InlineData(1_000_000, 360)]
    [InlineData(int.MaxValue, 360)]
    public void DoublesFromTheBaseUpToTheCap(int errors, int expectedMinutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(expectedMinutes), SourcePoller.Backoff(errors, Base, Max));
    }

    [Fact]
    public void NegativeErrorCountGivesTheBase()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), SourcePoller.Backoff(-5, Base, Max));
    }

    [Fact]
    public void ExactlyReachingTheCapGivesTheCap()
    {
        // 1 min × 2^8 = 256 min; with a cap of 256 min the cap itself comes back.
        Assert.Equal(TimeSpan.FromMinutes(256), SourcePoller.Backoff(9, Base, TimeSpan.FromMinutes(256)));
        Assert.Equal(TimeSpan.FromMinutes(128), SourcePoller.Backoff(8, Base, TimeSpan.FromMinutes(256)));
    }

    [Fact]
    public void HugeBaseAndMaximumDoNotOverflow()
    {
        // 1 day × 2^30 is far beyond TimeSpan's range; the cap must come back, not an exception.
        Assert.Equal(TimeSpan.MaxValue, SourcePoller.Backoff(int.MaxValue, TimeSpan.FromDays(1), TimeSpan.MaxValue));
        Assert.Equal(TimeSpan.FromDays(30), SourcePoller.Backoff(int.MaxValue, TimeSpan.FromDays(1), TimeSpan.FromDays(30)));
    }

    [Fact]
    public void SecondsBaseIsExact()
    {
        Assert.Equal(TimeSpan.FromSeconds(80), SourcePoller.Backoff(5, TimeSpan.FromSeconds(5), Max));
    }
}
