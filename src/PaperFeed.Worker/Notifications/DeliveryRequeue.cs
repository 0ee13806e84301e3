using MassTransit;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Notifications;

/// <summary>
/// Asks for a delivery again a moment later (its endpoint was busy), without holding a consumer slot meanwhile. Not
/// durable, and need not be: the delivery is stored, and one whose request is lost here is sent by the retry job.
/// </summary>
public sealed class DeliveryRequeue(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<DeliveryRequeue> logger)
{
    /// <summary>The pause before asking again, with up to as much again at random so that waiting deliveries spread out.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    public void Later(string deliveryId) => _ = AskAgainAsync(deliveryId);

    private async Task AskAgainAsync(string deliveryId)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            await Task.Delay(Pause + Pause * Random.Shared.NextDouble(), stopping);
            await services.GetRequiredService<IBus>().Publish(new DeliverNotification(deliveryId), stopping);
        }
        catch (Exception ex)
        {
            logger.LogDebug("delivery {DeliveryId} not asked for again ({Reason}); the retry job will send it", deliveryId, ex.Message);
        }
    }
}
