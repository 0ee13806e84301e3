using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>
/// Sends one attempt of a webhook delivery: POSTs the subscription's format to its URL through the guarded
/// <see cref="WebhookSetup.HttpClientName"/> client, signed afresh per attempt (same <c>webhook-id</c>, new
/// <c>webhook-timestamp</c> and <c>webhook-signature</c>), and maps the answer to a <see cref="SendResult"/>:
/// 2xx delivered; 410 pauses the subscription; 3xx, a refused address, a bad URL or secret are dead; 429, 5xx,
/// other 4xx, timeouts and connection failures are retried. Throws only when the caller's token is cancelled.
/// </summary>
public sealed class WebhookSender(
    IHttpClientFactory clients, WebhookAddressPolicy policy, IOptions<WebhookOptions> options, TimeProvider time) : INotificationSender
{
    /// <summary>Characters of a response body kept for the error shown in the API.</summary>
    public const int ErrorSnippetLength = 200;

    private readonly WebhookOptions _options = options.Value;

    public ChannelKind Channel => ChannelKind.Webhook;

    public async Task<SendResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        cancellationToken.ThrowIfCancellationRequested();
        var channel = notification.Subscription.Channel;
        if (channel.Kind != ChannelKind.Webhook)
        {
            return Dead($"subscription {notification.Subscription.Id} is not a webhook subscription");
        }

        if (string.IsNullOrWhiteSpace(channel.Url))
        {
            return Dead($"subscription {notification.Subscription.Id} has no webhook URL");
        }

        if (policy.ValidateUrl(channel.Url) is { } badUrl)
        {
            return Dead(badUrl);
        }

        if (WebhookSignature.ValidateSecret(channel.Secret) is { } badSecret)
        {
            return Dead(badSecret);
        }

        string body;
        try
        {
            body = WebhookPayloads.Serialize(notification.Delivery, notification.Subscription, channel.Format);
        }
        catch (NotSupportedException ex)
        {
            return Dead(ex.Message);
        }

        using var timeout = new CancellationTokenSource(_options.Timeout, time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = CreateRequest(new Uri(channel.Url), notification.Delivery.Id, channel.Secret!, body);
            var client = clients.CreateClient(WebhookSetup.HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            return await MapAsync(response, attempt.Token, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new SendResult(SendOutcome.Retry, Error: $"no answer within {Describe(_options.Timeout)}");
        }
        catch (Exception ex) when (Find<WebhookAddressRefusedException>(ex) is { } refused)
        {
            return Dead(refused.Reason);
        }
        catch (Exception ex)
        {
            // Refused or reset connections, DNS failures, TLS errors, broken responses: the receiver may be back later.
            return new SendResult(SendOutcome.Retry, Error: Describe(ex));
        }
    }

    private HttpRequestMessage CreateRequest(Uri url, string webhookId, string secret, string body)
    {
        var now = time.GetUtcNow();
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        request.Headers.Add(WebhookSignature.IdHeader, webhookId);
        request.Headers.Add(WebhookSignature.TimestampHeader, WebhookSignature.FormatTimestamp(now));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secret, webhookId, now, body));
        return request;
    }

    private async Task<SendResult> MapAsync(HttpResponseMessage response, CancellationToken attempt, CancellationToken caller)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return SendResult.Ok(status);
        }

        if (status == 410)
        {
            return new SendResult(SendOutcome.PauseSubscription, status, "410 Gone: the receiver removed this endpoint");
        }

        if (status is >= 300 and < 400)
        {
            var location = response.Headers.Location is { } target
                ? $"a redirect to {WebhookText.Fit(target.OriginalString, 300)}"
                : "a redirect status and no Location";
            return new SendResult(SendOutcome.Dead, status, $"answered {status} with {location}; webhooks do not follow redirects");
        }

        var snippet = await ReadSnippetAsync(response.Content, attempt, caller);
        var reason = WebhookText.Fit(WebhookText.OneLine(response.ReasonPhrase is { Length: > 0 } phrase ? phrase : ReasonPhrases.GetReasonPhrase(status)), 100);
        var error = $"answered {status} {reason}".TrimEnd() + (snippet.Length > 0 ? $": {snippet}" : "");
        return new SendResult(SendOutcome.Retry, status, error, RetryAfter(response.Headers.RetryAfter, time.GetUtcNow()));
    }

    /// <summary>Reads at most <see cref="WebhookOptions.MaxResponseBytes"/> of the body and keeps the start of it, on one line.</summary>
    private async Task<string> ReadSnippetAsync(HttpContent content, CancellationToken attempt, CancellationToken caller)
    {
        var limit = _options.MaxResponseBytes;
        if (limit <= 0)
        {
            return "";
        }

        // Enough bytes for the snippet even in four-byte UTF-8; the rest (up to the limit) is read and dropped.
        var kept = new byte[Math.Min(limit, ErrorSnippetLength * 4 + 4)];
        var keptLength = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(attempt);
            for (long total = 0; total < limit;)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - total)), attempt);
                if (read == 0)
                {
                    break;
                }

                var keep = Math.Min(read, kept.Length - keptLength);
                buffer.AsSpan(0, keep).CopyTo(kept.AsSpan(keptLength));
                keptLength += keep;
                total += read;
            }
        }
        catch (Exception ex) when (!caller.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // The status already says what happened; a body cut short only shortens the snippet.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return WebhookText.Fit(WebhookText.OneLine(Encoding.UTF8.GetString(kept, 0, keptLength)), ErrorSnippetLength);
    }

    /// <summary>How long a Retry-After asks to wait: delta-seconds, or an HTTP-date relative to <paramref name="now"/> (never negative).</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            return date > now ? date - now : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>A duration for people: <c>15 s</c>, <c>1.5 s</c>, <c>500 ms</c>.</summary>
    public static string Describe(TimeSpan duration) => duration.TotalSeconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} s")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0} ms");

    /// <summary>An exception and its causes, without repeating a message the outer one already contains.</summary>
    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null && parts.Count < 3; e = e.InnerException)
        {
            if (!parts.Exists(p => p.Contains(e.Message, StringComparison.Ordinal)))
            {
                parts.Add(e.Message);
            }
        }

        return WebhookText.Fit(WebhookText.OneLine(string.Join(": ", parts)), 500);
    }

    private static T? Find<T>(Exception ex) where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static SendResult Dead(string error) => new(SendOutcome.Dead, Error: error);
}
