using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using PaperFeed.Worker.Notifications;

namespace PaperFeed.Worker.Subscriptions;

/// <summary>What a signed link lets its holder do.</summary>
public enum TokenPurpose
{
    Confirm,
    Unsubscribe,
}

/// <summary>
/// Signed tokens for the links in messages (confirm, unsubscribe): <c>{subscription id}.{purpose}.{HMAC-SHA256}</c>
/// under a server key — <c>PaperFeed:Deliveries:TokenKey</c> when configured (share it between workers), else a
/// random key generated once and kept in the store. No login is needed and a token cannot be forged or reused for
/// another subscription or purpose.
/// </summary>
public sealed class SubscriptionTokens(ISubscriptionStore store, IOptions<DeliveryOptions> options)
{
    private const string KeyName = "link-token-key";
    private byte[]? _key;

    public async Task<string> CreateAsync(string subscriptionId, TokenPurpose purpose, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subscriptionId);
        var payload = $"{subscriptionId}.{Name(purpose)}";
        return $"{payload}.{WebEncoders.Base64UrlEncode(Sign(await KeyAsync(cancellationToken), payload))}";
    }

    /// <summary>The subscription id the token was made for, or null when it is malformed, forged or for another purpose.</summary>
    public async Task<string?> VerifyAsync(string? token, TokenPurpose purpose, CancellationToken cancellationToken)
    {
        var parts = token?.Split('.');
        if (parts is not { Length: 3 } || parts[1] != Name(purpose) || parts[0].Length == 0)
        {
            return null;
        }

        byte[] signature;
        try
        {
            signature = WebEncoders.Base64UrlDecode(parts[2]);
        }
        catch (FormatException)
        {
            return null;
        }

        var expected = Sign(await KeyAsync(cancellationToken), $"{parts[0]}.{parts[1]}");
        return CryptographicOperations.FixedTimeEquals(expected, signature) ? parts[0] : null;
    }

    /// <summary>The absolute link for a token: <c>/subscriptions/confirm?token=…</c> or <c>/unsubscribe?token=…</c>.</summary>
    public async Task<Uri> LinkAsync(string subscriptionId, TokenPurpose purpose, CancellationToken cancellationToken)
    {
        var token = await CreateAsync(subscriptionId, purpose, cancellationToken);
        var path = purpose == TokenPurpose.Confirm ? "subscriptions/confirm" : "unsubscribe";
        return new Uri(options.Value.PublicUrl, $"{path}?token={Uri.EscapeDataString(token)}");
    }

    private static string Name(TokenPurpose purpose) => purpose == TokenPurpose.Confirm ? "confirm" : "unsubscribe";

    private static byte[] Sign(byte[] key, string payload) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload));

    private async Task<byte[]> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is { } key)
        {
            return key;
        }

        var configured = options.Value.TokenKey;
        var text = !string.IsNullOrWhiteSpace(configured)
            ? configured
            : await store.GetOrCreateSecretAsync(KeyName, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken);
        return _key = Encoding.UTF8.GetBytes(text);
    }
}
