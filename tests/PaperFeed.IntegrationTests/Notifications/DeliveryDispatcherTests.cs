using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PaperFeed.IntegrationTests.Storage;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Storage.Sqlite;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.IntegrationTests.Notifications;

/// <summary>
/// The retry schedule and subscription health on real SQLite stores, with a sender that answers as scripted
/// (the real senders are tested on their own and end to end).
/// </summary>
public sealed class DeliveryDispatcherTests(SqliteTestFolder folder) : IClassFixture<SqliteTestFolder>, IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly SqliteDatabases _databases = new();
    private readonly FakeTimeProvider _time = new(T0);
    private readonly ScriptedSender _sender = new();
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _databases.Dispose();
        _meters.Dispose();
    }

    private async Task<(DeliveryDispatcher Dispatcher, SqliteDeliveryStore Deliveries, SqliteSubscriptionStore Subscriptions)> CreateAsync(DeliveryOptions? options = null)
    {
        var database = await _databases.OpenAsync(folder.NewConnectionString());
        var deliveries = new SqliteDeliveryStore(database);
        var subscriptions = new SqliteSubscriptionStore(database);
        var settings = Options.Create(options ?? new DeliveryOptions());
        var dispatcher = new DeliveryDispatcher(
            deliveries, subscriptions, [_sender], new SubscriptionTokens(subscriptions, settings), new SubscriptionIndex(), settings,
            new EndpointBulkhead(Options.Create(new WebhookOptions()), Options.Create(new SmtpOptions())), _time,
            new Worker.Hosting.PaperFeedMetrics(_meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger<DeliveryDispatcher>.Instance);
        await subscriptions.AddAsync(SubscriptionStoreContract.Webhook("sub_a", T0, "x"), Ct);
        await deliveries.TryEnqueueAsync(
            new Delivery
            {
                Id = "dlv_1", Key = "sub_a|p|webhook", SubscriptionId = "sub_a", Kind = DeliveryKind.Alert, Event = "paper.added",
                Channel = ChannelKind.Webhook, Papers = [new DeliveryPaper("arxiv:1", DeliveryStoreContract.Summary("One"))], CreatedAt = T0, NextAttemptAt = T0.AddMinutes(1),
            },
            Ct);
        return (dispatcher, deliveries, subscriptions);
    }

    [Fact]
    public async Task ASuccessIsRecordedAndNeverSentAgain()
    {
        var (dispatcher, deliveries, _) = await CreateAsync();
        _sender.Answers.Enqueue(SendResult.Ok(200));

        var first = await dispatcher.DispatchAsync("dlv_1", Ct);
        var again = await dispatcher.DispatchAsync("dlv_1", Ct);

        Assert.Equal(DeliveryState.Delivered, first!.State);
        Assert.Equal(200, first.LastStatusCode);
        Assert.Null(again);
        Assert.Equal(1, _sender.Calls);
        Assert.Empty(await deliveries.ListDueAsync(T0.AddYears(1), 10, Ct));
    }

    [Fact]
    public async Task FailuresFollowTheScheduleThenTheDeliveryIsDead()
    {
        var schedule = new List<TimeSpan> { TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5) };
        var (dispatcher, deliveries, _) = await CreateAsync(new DeliveryOptions { RetrySchedule = schedule });
        for (var i = 0; i < 3; i++)
        {
            _sender.Answers.Enqueue(new SendResult(SendOutcome.Retry, 503, "503 Service Unavailable"));
        }

        var first = await dispatcher.DispatchAsync("dlv_1", Ct);
        Assert.Equal(DeliveryState.Failed, first!.State);
        Assert.Equal(T0.AddSeconds(5), first.NextAttemptAt);
        Assert.Null(await dispatcher.DispatchAsync("dlv_1", Ct)); // not due yet: nothing sent

        _time.Advance(TimeSpan.FromSeconds(5));
        var second = await dispatcher.DispatchAsync("dlv_1", Ct);
        Assert.Equal(_time.GetUtcNow().AddMinutes(5), second!.NextAttemptAt);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(["dlv_1"], await deliveries.ListDueAsync(_time.GetUtcNow(), 10, Ct));
        var third = await dispatcher.DispatchAsync("dlv_1", Ct);

        Assert.Equal(DeliveryState.Dead, third!.State);
        Assert.Equal(3, third.Attempts);
        Assert.Contains("gave up after 3 attempts", third.LastError, StringComparison.Ordinal);
        Assert.Contains("503", third.LastError, StringComparison.Ordinal);
        Assert.Equal(3, _sender.Calls);
    }

    [Fact]
    public async Task RetryAfterLengthensThePauseUpToTheLimit()
    {
        var (dispatcher, _, _) = await CreateAsync(new DeliveryOptions { MaxRetryAfter = TimeSpan.FromHours(1) });
        _sender.Answers.Enqueue(new SendResult(SendOutcome.Retry, 429, "429 Too Many Requests", TimeSpan.FromMinutes(10)));

        var failed = await dispatcher.DispatchAsync("dlv_1", Ct);

        Assert.Equal(T0.AddMinutes(10), failed!.NextAttemptAt);
        Assert.Equal(429, failed.LastStatusCode);
    }

    [Fact]
    public async Task ARetryAfterBeyondTheLimitIsCapped()
    {
        var (dispatcher, _, _) = await CreateAsync(new DeliveryOptions { MaxRetryAfter = TimeSpan.FromHours(1) });
        _sender.Answers.Enqueue(new SendResult(SendOutcome.Retry, 503, "busy", TimeSpan.FromDays(30)));

        Assert.Equal(T0.AddHours(1), (await dispatcher.DispatchAsync("dlv_1", Ct))!.NextAttemptAt);
    }

    [Fact]
    public async Task AGoneEndpointPausesTheSubscriptionWithTheReason()
    {
        var (dispatcher, _, subscriptions) = await CreateAsync();
        _sender.Answers.Enqueue(new SendResult(SendOutcome.PauseSubscription, 410, "410 Gone: the receiver removed this endpoint"));

        var dead = await dispatcher.DispatchAsync("dlv_1", Ct);

        Assert.Equal(DeliveryState.Dead, dead!.State);
        var subscription = await subscriptions.GetAsync("sub_a", Ct);
        Assert.Equal(SubscriptionStatus.Paused, subscription!.Status);
        Assert.Contains("410", subscription.PausedReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingForLongerThanThePauseLimitPausesTheSubscription()
    {
        var (dispatcher, deliveries, subscriptions) = await CreateAsync(new DeliveryOptions { PauseAfter = TimeSpan.FromDays(2), RetrySchedule = [TimeSpan.FromDays(1), TimeSpan.FromDays(1), TimeSpan.FromDays(1)] });
        for (var i = 0; i < 3; i++)
        {
            _sender.Answers.Enqueue(new SendResult(SendOutcome.Retry, 500, "500 Internal Server Error"));
        }

        await dispatcher.DispatchAsync("dlv_1", Ct);
        Assert.Equal(T0, (await subscriptions.GetAsync("sub_a", Ct))!.FailingSince);
        _time.Advance(TimeSpan.FromDays(1));
        await dispatcher.DispatchAsync("dlv_1", Ct);
        Assert.Equal(SubscriptionStatus.Active, (await subscriptions.GetAsync("sub_a", Ct))!.Status);
        _time.Advance(TimeSpan.FromDays(1));
        await dispatcher.DispatchAsync("dlv_1", Ct);

        var paused = await subscriptions.GetAsync("sub_a", Ct);
        Assert.Equal(SubscriptionStatus.Paused, paused!.Status);
        Assert.Contains("failed since", paused.PausedReason, StringComparison.Ordinal);

        // The next due attempt finds the subscription paused and gives up with that reason instead of sending.
        _time.Advance(TimeSpan.FromDays(1));
        var dead = await dispatcher.DispatchAsync("dlv_1", Ct);
        Assert.Equal(DeliveryState.Dead, dead!.State);
        Assert.Contains("paused", dead.LastError, StringComparison.Ordinal);
        Assert.Equal(3, _sender.Calls);
        Assert.Equal(1, (await deliveries.CountByStateAsync(Ct))[DeliveryState.Dead]);
    }

    [Fact]
    public async Task ASuccessClearsTheFailingMark()
    {
        var (dispatcher, _, subscriptions) = await CreateAsync();
        _sender.Answers.Enqueue(new SendResult(SendOutcome.Retry, 500, "500"));
        _sender.Answers.Enqueue(SendResult.Ok(204));

        await dispatcher.DispatchAsync("dlv_1", Ct);
        _time.Advance(TimeSpan.FromSeconds(5));
        await dispatcher.DispatchAsync("dlv_1", Ct);

        Assert.Null((await subscriptions.GetAsync("sub_a", Ct))!.FailingSince);
    }

    [Fact]
    public async Task ASenderThatThrowsIsRetriedWithTheMessage()
    {
        var (dispatcher, _, _) = await CreateAsync();
        _sender.Throw = new InvalidOperationException("socket closed");

        var failed = await dispatcher.DispatchAsync("dlv_1", Ct);

        Assert.Equal(DeliveryState.Failed, failed!.State);
        Assert.Contains("socket closed", failed.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeletedSubscriptionEndsTheDeliveryWithoutSending()
    {
        var (dispatcher, _, subscriptions) = await CreateAsync();
        await subscriptions.DeleteAsync("sub_a", T0, Ct);

        var dead = await dispatcher.DispatchAsync("dlv_1", Ct);

        Assert.Equal(DeliveryState.Dead, dead!.State);
        Assert.Equal("the subscription was deleted", dead.LastError);
        Assert.Equal(0, _sender.Calls);
    }

    [Fact]
    public async Task ConcurrentDispatchesOfOneDeliverySendOnce()
    {
        var (dispatcher, _, _) = await CreateAsync();
        for (var i = 0; i < 20; i++)
        {
            _sender.Answers.Enqueue(SendResult.Ok(200));
        }

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => dispatcher.DispatchAsync("dlv_1", Ct))));

        Assert.Equal(1, _sender.Calls);
    }

    private sealed class ScriptedSender : INotificationSender
    {
        private int _calls;

        public ConcurrentQueue<SendResult> Answers { get; } = new();

        public Exception? Throw { get; set; }

        public int Calls => _calls;

        public ChannelKind Channel => ChannelKind.Webhook;

        public Task<SendResult> SendAsync(Notification notification, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (Throw is { } ex)
            {
                throw ex;
            }

            return Task.FromResult(Answers.TryDequeue(out var answer) ? answer : throw new InvalidOperationException("no scripted answer left"));
        }
    }
}
