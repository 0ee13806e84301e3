using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;

namespace PaperFeed.Tests.Notifications.Webhooks;

public sealed class WebhookUrlValidationTests
{
    private static string? Validate(string url, WebhookOptions? options = null) =>
        WebhookAddressPolicy.ValidateUrl(url, options ?? new WebhookOptions());

    [Theory]
    [InlineData("https://hooks.example.com/paperfeed")]
    [InlineData("http://hooks.example.com:8080/x?y=1")]
    [InlineData("https://hooks.slack.com/services/T000/B000/XXXX")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://[2606:4700::1111]/hook")]
    [InlineData("HTTPS://Hooks.Example.com/")]
    [InlineData("https://hooks.example.com:1/")]
    public void PublicHttpUrlsPass(string url)
    {
        Assert.Null(Validate(url));
    }

    [Theory]
    [InlineData("ftp://hooks.example.com/x", "scheme 'ftp:' is not allowed")]
    [InlineData("file:///etc/passwd", "scheme 'file:' is not allowed")]
    [InlineData("gopher://hooks.example.com/", "scheme 'gopher:' is not allowed")]
    [InlineData("/hooks/paperfeed", "is a relative URL")]
    [InlineData("hooks/paperfeed", "is a relative URL")]
    [InlineData("", "empty")]
    [InlineData("http://", "not a valid absolute URL")]
    [InlineData("http://exa mple.com/", "not a valid absolute URL")]
    [InlineData("https://user:secret@hooks.example.com/", "user-info")]
    [InlineData("https://hooks.example.com@127.0.0.1/", "user-info")]
    public void MalformedOrForbiddenUrlsAreRefused(string url, string expected)
    {
        Assert.Contains(expected, Validate(url), StringComparison.Ordinal);
    }

    [Fact]
    public void CredentialsAreNotEchoed()
    {
        Assert.DoesNotContain("secret", Validate("https://user:secret@hooks.example.com/"), StringComparison.Ordinal);
    }

    // Uri turns every inet_aton spelling of an IPv4 address into the dotted form, so these are literals too.
    [Theory]
    [InlineData("http://127.0.0.1/", "127.0.0.1")]
    [InlineData("http://2130706433/", "127.0.0.1")]
    [InlineData("http://0x7f000001/", "127.0.0.1")]
    [InlineData("http://017700000001/", "127.0.0.1")]
    [InlineData("http://0x7f.1/", "127.0.0.1")]
    [InlineData("http://0177.0.0.1/", "127.0.0.1")]
    [InlineData("http://127.1/", "127.0.0.1")]
    [InlineData("http://0/", "0.0.0.0")]
    [InlineData("http://127.0.0.1./", "127.0.0.1")]
    [InlineData("http://①②⑦.0.0.1/", "127.0.0.1")]
    [InlineData("http://[::1]/", "::1")]
    [InlineData("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1")]
    [InlineData("http://[::ffff:7f00:1]/", "::ffff:127.0.0.1")]
    [InlineData("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "::ffff:169.254.169.254")]
    [InlineData("http://[fe80::1%25eth0]/", "fe80::1")]
    [InlineData("http://[::]/", "::")]
    [InlineData("http://169.254.169.254/latest/meta-data", "169.254.169.254")]
    [InlineData("http://2852039166/", "169.254.169.254")]
    [InlineData("http://10.0.0.5:8080/", "10.0.0.5")]
    [InlineData("http://[64:ff9b::a00:1]/", "64:ff9b::a00:1")]
    public void LiteralAddressesAreCheckedAtOnce(string url, string address)
    {
        var reason = Validate(url);

        Assert.NotNull(reason);
        Assert.StartsWith($"webhook address {address} is ", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void UriNormalisesNumericIPv4Hosts()
    {
        Assert.Equal("127.0.0.1", new Uri("http://2130706433/").Host);
        Assert.Equal("127.0.0.1", new Uri("http://0x7f.1/").Host);
        Assert.Equal("127.0.0.1", new Uri("http://0177.0.0.1/").Host);
        Assert.Equal(UriHostNameType.IPv4, new Uri("http://0x7f000001/").HostNameType);

        // Left as names by Uri; the resolver would still read them as the address.
        Assert.Equal(UriHostNameType.Dns, new Uri("http://127.0.0.1./").HostNameType);
        Assert.Equal("127.0.0.1", new Uri("http://①②⑦.0.0.1/").IdnHost);
    }

    [Theory]
    [InlineData("http://localhost:8080/")]
    [InlineData("http://LOCALHOST/")]
    [InlineData("http://hooks.localhost/")]
    [InlineData("http://localhost./")]
    public void LocalhostIsRefusedWithoutAnAllowance(string url)
    {
        Assert.Contains("loopback", Validate(url), StringComparison.Ordinal);
    }

    [Fact]
    public void AllowancesLetLiteralsAndLocalhostThrough()
    {
        var loopback = new WebhookOptions { AllowedNetworks = ["127.0.0.1/32"] };
        var everything = new WebhookOptions { AllowPrivateNetworks = true };

        Assert.Null(Validate("http://127.0.0.1:5000/hook", loopback));
        Assert.Null(Validate("http://localhost:5000/hook", loopback));
        Assert.NotNull(Validate("http://127.0.0.2:5000/hook", loopback));
        Assert.Null(Validate("http://10.0.0.5/hook", everything));
        Assert.NotNull(Validate("http://169.254.169.254/hook", everything));
    }

    [Fact]
    public void NamesAreLeftToConnectionTime()
    {
        // Resolved and checked at every connection, not here.
        Assert.Null(Validate("http://internal.example.test/hook"));
    }
}
