using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StandardWebhooks;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>
/// Standard Webhooks symmetric signatures: <c>webhook-signature: v1,</c> + base64(HMAC-SHA256(key,
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>)), where the key is the base64 part of a <c>whsec_</c> secret.
/// Signing goes through the StandardWebhooks package (it reproduces the reference test vector); verification is
/// PaperFeed's own, because the package's verifier reads the wall clock and, of several space-separated
/// signatures, never tries the last one.
/// </summary>
public static class WebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>The prefix that marks a Standard Webhooks symmetric secret.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>Bytes of key in a generated secret (256 bits).</summary>
    public const int GeneratedKeyBytes = 32;

    /// <summary>The specification's bounds on a symmetric key: at least 24 bytes, at most 64.</summary>
    public const int MinKeyBytes = 24;

    public const int MaxKeyBytes = 64;

    /// <summary>How far a receiver lets <c>webhook-timestamp</c> stray from its clock (the reference libraries' five minutes).</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>A new secret: <c>whsec_</c> + base64 of 32 cryptographically random bytes.</summary>
    public static string GenerateSecret() =>
        SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(GeneratedKeyBytes));

    /// <summary>Null for a usable secret, else what is wrong with it (never quoting it).</summary>
    public static string? ValidateSecret(string? secret) => TryDecodeSecret(secret, out _, out var error) ? null : error;

    /// <summary>The HMAC key of a <c>whsec_</c> secret.</summary>
    /// <exception cref="FormatException">The secret is not <c>whsec_</c> + base64 of 24 to 64 bytes.</exception>
    public static byte[] DecodeSecret(string secret) =>
        TryDecodeSecret(secret, out var key, out var error) ? key : throw new FormatException(error);

    /// <summary>
    /// The <c>webhook-signature</c> value for one attempt: <c>v1,</c> + base64(HMAC-SHA256). The timestamp is
    /// truncated to whole seconds, exactly as <see cref="FormatTimestamp"/> sends it.
    /// </summary>
    /// <exception cref="FormatException">The secret is not <c>whsec_</c> + base64 of 24 to 64 bytes.</exception>
    public static string Sign(string secret, string webhookId, DateTimeOffset timestamp, string body)
    {
        ArgumentException.ThrowIfNullOrEmpty(webhookId);
        ArgumentNullException.ThrowIfNull(body);
        return new StandardWebhook(DecodeSecret(secret)).Sign(webhookId, timestamp, body);
    }

    /// <summary>The <c>webhook-timestamp</c> value: unix seconds.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks a received webhook by the Standard Webhooks rules: the three headers present, the timestamp within
    /// <paramref name="tolerance"/> of <paramref name="now"/> either way, and one <c>v1</c> entry of the
    /// space-separated signature list matching (compared in constant time). Other versions (<c>v1a</c>) are skipped.
    /// </summary>
    /// <param name="body">The raw body exactly as received.</param>
    /// <returns>Null when the webhook is authentic, else why it is not.</returns>
    public static string? Verify(
        string secret, string? webhookId, string? timestamp, string? signatures, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (!TryDecodeSecret(secret, out var key, out var secretError))
        {
            return secretError;
        }

        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
        {
            return $"missing header: {IdHeader}, {TimestampHeader} and {SignatureHeader} are all required";
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return $"{TimestampHeader} '{timestamp}' is not unix seconds";
        }

        var skew = DateTimeOffset.FromUnixTimeSeconds(seconds) - now;
        var allowed = tolerance ?? DefaultTolerance;
        if (skew > allowed)
        {
            return $"{TimestampHeader} is {(long)skew.TotalSeconds} s in the future (tolerance {(long)allowed.TotalSeconds} s)";
        }

        if (-skew > allowed)
        {
            return $"{TimestampHeader} is {(long)-skew.TotalSeconds} s old (tolerance {(long)allowed.TotalSeconds} s)";
        }

        var expected = Compute(key, webhookId, timestamp, body);
        Span<byte> candidate = stackalloc byte[HMACSHA256.HashSizeInBytes + 3];
        foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !entry.AsSpan(0, comma).SequenceEqual("v1"))
            {
                continue;
            }

            if (Convert.TryFromBase64String(entry[(comma + 1)..], candidate, out var written)
                && CryptographicOperations.FixedTimeEquals(candidate[..written], expected))
            {
                return null;
            }
        }

        return "no v1 signature matches the body";
    }

    private static byte[] Compute(byte[] key, string webhookId, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, content);
    }

    private static bool TryDecodeSecret(string? secret, out byte[] key, out string error)
    {
        key = [];
        if (string.IsNullOrEmpty(secret))
        {
            error = "the subscription has no signing secret";
            return false;
        }

        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            error = $"the signing secret does not start with '{SecretPrefix}'";
            return false;
        }

        var encoded = secret.AsSpan(SecretPrefix.Length);
        if (!Base64.IsValid(encoded, out var length))
        {
            error = $"the signing secret is not '{SecretPrefix}' followed by base64";
            return false;
        }

        if (length is < MinKeyBytes or > MaxKeyBytes)
        {
            error = $"the signing secret's key is {length} bytes; Standard Webhooks asks for {MinKeyBytes} to {MaxKeyBytes}";
            return false;
        }

        key = Convert.FromBase64String(encoded.ToString());
        error = "";
        return true;
    }
}
