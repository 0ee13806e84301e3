using System.Text;
using PaperFeed.Worker.Notifications.Webhooks;

namespace PaperFeed.Tests.Notifications.Webhooks;

public sealed class WebhookSignatureTests
{
    // The Standard Webhooks reference vector (standard-webhooks/standard-webhooks, libraries/*/tests).
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorBody = "{\"test\": 2432232314}";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static readonly DateTimeOffset VectorTime = DateTimeOffset.FromUnixTimeSeconds(VectorTimestamp);

    [Fact]
    public void SignReproducesTheReferenceVector()
    {
        Assert.Equal(VectorSignature, WebhookSignature.Sign(VectorSecret, VectorId, VectorTime, VectorBody));
    }

    [Fact]
    public void VerifyAcceptsTheReferenceVector()
    {
        var failure = WebhookSignature.Verify(
            VectorSecret, VectorId, "1614265330", VectorSignature, Encoding.UTF8.GetBytes(VectorBody), VectorTime);

        Assert.Null(failure);
    }

    [Fact]
    public void TimestampIsUnixSeconds()
    {
        Assert.Equal("1614265330", WebhookSignature.FormatTimestamp(VectorTime.AddMilliseconds(999)));
    }

    [Fact]
    public void SignatureChangesWithTheTimestamp()
    {
        var later = WebhookSignature.Sign(VectorSecret, VectorId, VectorTime.AddSeconds(1), VectorBody);

        Assert.NotEqual(VectorSignature, later);
        Assert.StartsWith("v1,", later, StringComparison.Ordinal);
    }

    [Fact]
    public void SignatureChangesWithTheBody()
    {
        Assert.NotEqual(VectorSignature, WebhookSignature.Sign(VectorSecret, VectorId, VectorTime, "{\"test\": 2432232315}"));
    }

    [Fact]
    public void SignatureChangesWithTheId()
    {
        Assert.NotEqual(VectorSignature, WebhookSignature.Sign(VectorSecret, "msg_other", VectorTime, VectorBody));
    }

    [Fact]
    public void GeneratedSecretIsPrefixedBase64OfThirtyTwoBytes()
    {
        var secret = WebhookSignature.GenerateSecret();

        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.Null(WebhookSignature.ValidateSecret(secret));
        Assert.NotEqual(secret, WebhookSignature.GenerateSecret());
    }

    [Theory]
    [InlineData(null, "no signing secret")]
    [InlineData("", "no signing secret")]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "does not start with 'whsec_'")]
    [InlineData("whsec_not base64!", "followed by base64")]
    [InlineData("whsec_AAAA", "3 bytes")]
    public void UnusableSecretsAreNamed(string? secret, string expected)
    {
        Assert.Contains(expected, WebhookSignature.ValidateSecret(secret), StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyFindsTheMatchingSignatureAnywhereInTheList()
    {
        var body = Encoding.UTF8.GetBytes(VectorBody);
        var other = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

        foreach (var list in new[] { $"{VectorSignature} {other}", $"{other} {VectorSignature}", $"v1a,xyz {other} {VectorSignature}" })
        {
            Assert.Null(WebhookSignature.Verify(VectorSecret, VectorId, "1614265330", list, body, VectorTime));
        }
    }

    [Fact]
    public void VerifyRejectsATamperedBody()
    {
        var failure = WebhookSignature.Verify(
            VectorSecret, VectorId, "1614265330", VectorSignature, Encoding.UTF8.GetBytes("{\"test\": 2432232315}"), VectorTime);

        Assert.Equal("no v1 signature matches the body", failure);
    }

    [Fact]
    public void VerifyRejectsAnotherSecret()
    {
        var failure = WebhookSignature.Verify(
            WebhookSignature.GenerateSecret(), VectorId, "1614265330", VectorSignature, Encoding.UTF8.GetBytes(VectorBody), VectorTime);

        Assert.NotNull(failure);
    }

    [Theory]
    [InlineData(-301, "old")]
    [InlineData(301, "future")]
    public void VerifyRejectsTimestampsOutsideTheTolerance(int offsetSeconds, string expected)
    {
        var failure = WebhookSignature.Verify(
            VectorSecret, VectorId, "1614265330", VectorSignature, Encoding.UTF8.GetBytes(VectorBody), VectorTime.AddSeconds(-offsetSeconds));

        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "1614265330", VectorSignature, "missing header")]
    [InlineData(VectorId, null, VectorSignature, "missing header")]
    [InlineData(VectorId, "1614265330", null, "missing header")]
    [InlineData(VectorId, "16142653.30", VectorSignature, "not unix seconds")]
    [InlineData(VectorId, "1614265330", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "no v1 signature")]
    public void VerifyRejectsMalformedHeaders(string? id, string? timestamp, string? signature, string expected)
    {
        var failure = WebhookSignature.Verify(VectorSecret, id, timestamp, signature, Encoding.UTF8.GetBytes(VectorBody), VectorTime);

        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }
}
