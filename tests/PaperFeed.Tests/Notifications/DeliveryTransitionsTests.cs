using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Tests.Notifications;

public sealed class DeliveryTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    private static Delivery Pending() => new()
    {
        Id = "dlv_1", Key = "k", SubscriptionId = "sub_1", Kind = DeliveryKind.Alert, Event = "paper.added", Channel = ChannelKind.Webhook,
        CreatedAt = T0, NextAttemptAt = T0.AddMinutes(1),
    };

    [Fact]
    public void APendingDeliveryIsClaimableAtOnceAndDueAfterTheSweepTime()
    {
        var pending = Pending();

        Assert.True(DeliveryTransitions.IsClaimable(pending, T0));
        Assert.Equal(T0.AddMinutes(1), DeliveryTransitions.DueAt(pending));
    }

    [Fact]
    public void AClaimCountsTheAttemptAndHoldsUntilItLapses()
    {
        var claimed = DeliveryTransitions.Claim(Pending(), T0, T0.AddMinutes(2))!;

        Assert.Equal(DeliveryState.Sending, claimed.State);
        Assert.Equal(1, claimed.Attempts);
        Assert.Equal(T0.AddMinutes(2), DeliveryTransitions.DueAt(claimed));
        Assert.Null(DeliveryTransitions.Claim(claimed, T0.AddMinutes(1), T0.AddMinutes(3)));
        Assert.NotNull(DeliveryTransitions.Claim(claimed, T0.AddMinutes(2), T0.AddMinutes(4)));
    }

    [Fact]
    public void AFailureIsDueAtItsNextAttemptAndNotBefore()
    {
        var failed = DeliveryTransitions.Record(DeliveryTransitions.Claim(Pending(), T0, T0.AddMinutes(2))!, new AttemptRecord(DeliveryState.Failed, T0, 500, "boom", T0.AddSeconds(5)));

        Assert.Null(failed.ClaimedUntil);
        Assert.False(DeliveryTransitions.IsClaimable(failed, T0.AddSeconds(4)));
        Assert.True(DeliveryTransitions.IsClaimable(failed, T0.AddSeconds(5)));
        Assert.Equal(T0.AddSeconds(5), DeliveryTransitions.DueAt(failed));
    }

    [Theory]
    [InlineData(DeliveryState.Delivered)]
    [InlineData(DeliveryState.Dead)]
    public void FinishedDeliveriesAreNeverDueOrClaimable(DeliveryState state)
    {
        var done = DeliveryTransitions.Record(DeliveryTransitions.Claim(Pending(), T0, T0.AddMinutes(2))!, new AttemptRecord(state, T0, 200, null, null));

        Assert.Null(DeliveryTransitions.DueAt(done));
        Assert.False(DeliveryTransitions.IsClaimable(done, T0.AddYears(1)));
        Assert.Equal(DeliveryState.Pending, DeliveryTransitions.Replay(done, T0)!.State);
    }

    [Fact]
    public void AnAttemptCannotEndPendingOrSending()
    {
        Assert.Throws<ArgumentException>(() => DeliveryTransitions.Record(Pending(), new AttemptRecord(DeliveryState.Sending, T0, null, null, null)));
    }

    [Fact]
    public void APendingOrSendingDeliveryIsNotReplayed()
    {
        Assert.Null(DeliveryTransitions.Replay(Pending(), T0));
        Assert.Null(DeliveryTransitions.Replay(DeliveryTransitions.Claim(Pending(), T0, T0.AddMinutes(1))!, T0));
    }
}
