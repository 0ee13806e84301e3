using MassTransit;
using PaperFeed.Worker.Messaging;
using Microsoft.Extensions.Options;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Worker.Notifications;

/// <summary>
/// Matches each announced paper against the subscription index. Instant subscriptions get a delivery (unique per
/// subscription, paper and channel) and a <see cref="DeliverNotification"/>; digest subscriptions get a digest item.
/// Redelivered announcements and papers seen from several sources find the delivery already there and add nothing.
/// </summary>
public sealed class MatchPapersConsumer(
    SubscriptionIndex index, IDeliveryStore deliveries, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<MatchPapersConsumer> logger)
    : IConsumer<PaperAdded>, IConsumer<PaperRevised>
{
    public Task Consume(ConsumeContext<PaperAdded> context) => MatchAsync(context, context.Message.PaperId, context.Message.Paper, revised: false);

    public Task Consume(ConsumeContext<PaperRevised> context) => MatchAsync(context, context.Message.PaperId, context.Message.Paper, revised: true);

    private async Task MatchAsync(ConsumeContext context, string paperId, PaperSummary paper, bool revised)
    {
        using var scope = logger.About(PaperFeedTracing.Id.Paper(paperId));
        var ct = context.CancellationToken;

        // The bus starts consuming before the subscriptions are loaded: after a restart, announcements waiting on the
        // broker would otherwise be matched against an empty index and acknowledged without their deliveries.
        await index.Loaded.WaitAsync(ct);
        var matches = index.Match(paper);
        var toSend = new List<string>();
        foreach (var subscription in matches)
        {
            if (subscription.Schedule.Mode != DeliveryMode.Instant)
            {
                await deliveries.AddDigestItemAsync(new DigestItem(subscription.Id, paperId, time.GetUtcNow(), paper), ct);
                continue;
            }

            // The first alert about a paper is keyed without its revision, so a subscriber hears of each paper once,
            // as soon as any revision of it matches; later revisions only for those who asked for them.
            var first = await EnqueueAsync(subscription, paperId, paper, DeliveryKeys.Alert(subscription.Id, paperId, subscription.Channel.Kind), "paper.added", ct);
            var result = first;
            if (revised && !first.Created && subscription.NotifyRevisions && first.Delivery.Papers[0].Paper.Revision < paper.Revision)
            {
                result = await EnqueueAsync(
                    subscription, paperId, paper, DeliveryKeys.Revision(subscription.Id, paperId, subscription.Channel.Kind, paper.Revision), "paper.revised", ct);
            }

            if (result.NeedsSending)
            {
                toSend.Add(result.Delivery.Id);
            }
        }

        // A delivery created by an earlier, interrupted handling of this message is sent now too (sending is idempotent).
        await Task.WhenAll(toSend.Select(id => context.Publish(new DeliverNotification(id), ct)));
        if (matches.Count > 0)
        {
            logger.LogDebug("paper {PaperId} matched {Count} subscriptions; {Sent} deliveries to send", paperId, matches.Count, toSend.Count);
        }
    }

    private Task<EnqueueResult> EnqueueAsync(Subscription subscription, string paperId, PaperSummary paper, string key, string @event, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return deliveries.TryEnqueueAsync(
            new Delivery
            {
                Id = ResourceIds.NewDeliveryId(time),
                Key = key,
                SubscriptionId = subscription.Id,
                Kind = DeliveryKind.Alert,
                Event = @event,
                Channel = subscription.Channel.Kind,
                Papers = [new DeliveryPaper(paperId, paper)],
                CreatedAt = now,
                NextAttemptAt = now + options.Value.SweepAfter,
            },
            ct);
    }
}

/// <summary>Sends deliveries: one attempt per message (see <see cref="DeliveryDispatcher"/>).</summary>
public sealed class DeliverNotificationConsumer(DeliveryDispatcher dispatcher) : IConsumer<DeliverNotification>
{
    public Task Consume(ConsumeContext<DeliverNotification> context) => dispatcher.DispatchAsync(context.Message.DeliveryId, context.CancellationToken);
}

/// <summary>Senders wait on the network, so many run at once; a store hiccup is retried in memory, then redelivered.</summary>
public sealed class DeliverNotificationConsumerDefinition : ConsumerDefinition<DeliverNotificationConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliverNotificationConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseStoreRetry(context);
        // Room for healthy endpoints beside slow ones: each endpoint holds at most its bulkhead's slots (EndpointBulkhead).
        endpointConfigurator.PrefetchCount = 64;
        endpointConfigurator.ConcurrentMessageLimit = 32;
    }
}

/// <summary>A store outage must not send announcements to _error: retry, then redeliver.</summary>
public sealed class MatchPapersConsumerDefinition : ConsumerDefinition<MatchPapersConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<MatchPapersConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseStoreRetry(context);
        endpointConfigurator.ConcurrentMessageLimit = 8;
    }
}
