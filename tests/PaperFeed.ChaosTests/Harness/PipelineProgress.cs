using PaperFeed.IntegrationTests.Infrastructure;

namespace PaperFeed.ChaosTests.Harness;

/// <summary>How far the pipeline got: the store's papers, the deliveries by state, and what the webhook receiver got.</summary>
public sealed record PipelineProgress(StoreProbe.PaperCounts Papers, IReadOnlyDictionary<string, long> Deliveries, WebhookTally Received)
{
    public static async Task<PipelineProgress> ReadAsync(StoreProbe store, WebhookReceiver receiver) =>
        new(await store.PapersAsync(), await store.DeliveryStatesAsync(), WebhookTally.Of(receiver));

    /// <summary>
    /// Every one of <paramref name="papers"/> stored and announced, at least <paramref name="notifications"/> deliveries
    /// all finished (delivered or dead), and that many papers received.
    /// </summary>
    public bool Finished(int papers, int notifications) =>
        Papers.Rows >= papers && Papers.Unannounced == 0
        && Deliveries.Values.Sum() >= notifications && Deliveries.Keys.All(k => k is "Delivered" or "Dead")
        && Received.IdsByPaper.Count >= notifications;

    public static string Describe(IReadOnlyDictionary<string, long> states) =>
        states.Count == 0 ? "none" : string.Join(", ", states.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value}"));

    public override string ToString() => $"store: {Papers}; deliveries: {Describe(Deliveries)}; receiver: {Received}";
}
