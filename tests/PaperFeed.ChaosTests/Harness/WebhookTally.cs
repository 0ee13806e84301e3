using System.Text.Json;
using PaperFeed.IntegrationTests.Infrastructure;

namespace PaperFeed.ChaosTests.Harness;

/// <summary>
/// What a webhook receiver got, counted by delivery (<c>webhook-id</c>) and by paper: a delivery received twice is a
/// resend of the same notification (the receiver can deduplicate it); a paper under two webhook-ids is a second
/// notification, which the delivery's unique key must prevent.
/// </summary>
public sealed class WebhookTally
{
    private WebhookTally(IReadOnlyList<ReceivedWebhook> received)
    {
        Requests = received.Count;
        Unverified = received.Count(r => !r.Verified);
        RequestsById = received.GroupBy(r => r.Id ?? "").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        IdsByPaper = received
            .GroupBy(PaperId)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(r => r.Id ?? "").ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    public static WebhookTally Of(WebhookReceiver receiver) => new(receiver.Received);

    public int Requests { get; }

    /// <summary>Requests whose Standard Webhooks signature did not verify.</summary>
    public int Unverified { get; }

    public IReadOnlyDictionary<string, int> RequestsById { get; }

    public IReadOnlyDictionary<string, IReadOnlySet<string>> IdsByPaper { get; }

    public int DistinctDeliveries => RequestsById.Count;

    /// <summary>webhook-ids received more than once.</summary>
    public IReadOnlyList<string> ResentIds => RequestsById.Where(p => p.Value > 1).Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal).ToList();

    /// <summary>Papers notified under more than one webhook-id.</summary>
    public IReadOnlyList<string> PapersNotifiedTwice => IdsByPaper.Where(p => p.Value.Count > 1).Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal).ToList();

    public override string ToString() =>
        $"{Requests} requests, {DistinctDeliveries} webhook-ids, {IdsByPaper.Count} papers, {ResentIds.Count} webhook-ids resent, " +
        $"{PapersNotifiedTwice.Count} papers under two webhook-ids, {Unverified} unverified";

    private static string PaperId(ReceivedWebhook request)
    {
        try
        {
            using var body = JsonDocument.Parse(request.Body);
            return body.RootElement.GetProperty("data").GetProperty("paper").GetProperty("id").GetString() ?? "";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"unreadable body: {request.BodyText}";
        }
    }
}
