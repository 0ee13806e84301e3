using System.Net;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;

namespace PaperFeed.Tests.Notifications.Webhooks;

public sealed class WebhookAddressPolicyTests
{
    private static readonly WebhookAddressPolicy Default = new(new WebhookOptions());

    [Theory]
    // IPv4
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.1.2", "loopback")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "unspecified")]
    [InlineData("10.0.0.5", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.1.1", "link-local")]
    [InlineData("169.254.169.254", "cloud metadata")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.255", "carrier-grade NAT")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("198.51.100.7", "documentation")]
    [InlineData("203.0.113.9", "documentation")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("198.19.255.255", "benchmarking")]
    [InlineData("192.0.0.170", "IETF protocol assignment")]
    // IPv6
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fe80::1%2", "link-local")]
    [InlineData("febf::1", "link-local")]
    [InlineData("fd00::1", "unique local")]
    [InlineData("fc00::1", "unique local")]
    [InlineData("fd00:ec2::254", "cloud metadata")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("3fff::1", "documentation")]
    [InlineData("2001:2::1", "benchmarking")]
    [InlineData("100::1", "discard-only")]
    // IPv6 forms that embed IPv4
    [InlineData("::ffff:127.0.0.1", "a loopback address (IPv4-mapped 127.0.0.1)")]
    [InlineData("::ffff:7f00:1", "a loopback address (IPv4-mapped 127.0.0.1)")]
    [InlineData("0:0:0:0:0:ffff:a9fe:a9fe", "cloud metadata address (IPv4-mapped 169.254.169.254)")]
    [InlineData("::ffff:a9fe:a9fe", "cloud metadata")]
    [InlineData("::ffff:10.1.2.3", "private")]
    [InlineData("::127.0.0.1", "a loopback address (IPv4-compatible 127.0.0.1)")]
    [InlineData("::10.0.0.1", "private")]
    [InlineData("::ffff:0:10.0.0.1", "a private address (IPv4-translated 10.0.0.1)")]
    [InlineData("64:ff9b::a00:1", "private address (NAT64 10.0.0.1)")]
    [InlineData("64:ff9b::7f00:1", "loopback")]
    [InlineData("64:ff9b::a9fe:a9fe", "cloud metadata")]
    [InlineData("64:ff9b:1::1", "local-use NAT64")]
    [InlineData("2002:a00:1::1", "private address (6to4 10.0.0.1)")]
    [InlineData("2002:7f00:1::", "loopback")]
    [InlineData("2002:c0a8:101::1", "private")]
    public void SpecialAddressesAreRefused(string address, string expected)
    {
        var reason = Default.Check(IPAddress.Parse(address));

        Assert.NotNull(reason);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.215.14")]
    [InlineData("100.63.255.255")] // just below CGNAT
    [InlineData("100.128.0.0")] // just above CGNAT
    [InlineData("172.15.255.255")] // just below 172.16/12
    [InlineData("172.32.0.0")] // just above
    [InlineData("169.253.255.255")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")] // NAT64 of 8.8.8.8
    [InlineData("2002:808:808::1")] // 6to4 of 8.8.8.8
    [InlineData("2001:db9::1")]
    public void PublicAddressesAreAllowed(string address)
    {
        Assert.Null(Default.Check(IPAddress.Parse(address)));
        Assert.Null(WebhookAddressPolicy.Describe(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.5")]
    [InlineData("172.20.1.1")]
    [InlineData("192.168.0.10")]
    [InlineData("169.254.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("::1")]
    [InlineData("fd00::1")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    public void AllowPrivateNetworksAllowsThePrivateKinds(string address)
    {
        var policy = new WebhookAddressPolicy(new WebhookOptions { AllowPrivateNetworks = true });

        Assert.Null(policy.Check(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("240.0.0.1")]
    [InlineData("192.0.2.1")]
    [InlineData("2001:db8::1")]
    public void AllowPrivateNetworksDoesNotAllowTheRest(string address)
    {
        var policy = new WebhookAddressPolicy(new WebhookOptions { AllowPrivateNetworks = true });

        Assert.NotNull(policy.Check(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.1.0.0/16", "10.1.2.3", true)]
    [InlineData("10.1.0.0/16", "10.2.0.1", false)]
    [InlineData("10.0.0.5", "10.0.0.5", true)]
    [InlineData("10.0.0.5", "10.0.0.6", false)]
    [InlineData("127.0.0.1/32", "127.0.0.1", true)]
    [InlineData("127.0.0.1/32", "::ffff:127.0.0.1", true)]
    [InlineData("127.0.0.1/32", "127.0.0.2", false)]
    [InlineData("127.0.0.1/32", "::1", false)]
    [InlineData("fd00::/8", "fd12::1", true)]
    [InlineData("::1", "::1", true)]
    [InlineData("169.254.169.254/32", "169.254.169.254", true)]
    [InlineData("10.0.0.0/8", "64:ff9b::a00:1", true)]
    public void AllowedNetworksAllowWhatTheyContain(string entry, string address, bool allowed)
    {
        var policy = new WebhookAddressPolicy(new WebhookOptions { AllowedNetworks = [entry] });

        Assert.Equal(allowed, policy.Check(IPAddress.Parse(address)) is null);
    }

    [Theory]
    [InlineData("10.1.0.0/33")]
    [InlineData("banana")]
    [InlineData("10.1")]
    [InlineData("10")]
    [InlineData("")]
    [InlineData("fe80::1%eth0")]
    public void UnreadableAllowedNetworksAreRejected(string entry)
    {
        var ex = Assert.Throws<FormatException>(() => new WebhookAddressPolicy(new WebhookOptions { AllowedNetworks = [entry] }));

        Assert.Contains("PaperFeed:Webhooks:AllowedNetworks", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalOfAResolvedHostNamesAddressRangeAndSettings()
    {
        var address = IPAddress.Parse("10.0.0.5");
        var message = Default.DescribeRefusal("hooks.example", [new RefusedAddress(address, Default.Check(address)!)]);

        Assert.Equal(
            "webhook host 'hooks.example' resolves to 10.0.0.5, a private address; set PaperFeed:Webhooks:AllowPrivateNetworks " +
            "or add it to PaperFeed:Webhooks:AllowedNetworks to allow it",
            message);
    }

    [Fact]
    public void RefusalOfANonPrivateRangeOffersOnlyTheAllowList()
    {
        var address = IPAddress.Parse("169.254.169.254");
        var message = Default.DescribeRefusal("metadata.example", [new RefusedAddress(address, Default.Check(address)!)]);

        Assert.DoesNotContain("AllowPrivateNetworks", message, StringComparison.Ordinal);
        Assert.Contains("add it to PaperFeed:Webhooks:AllowedNetworks", message, StringComparison.Ordinal);
    }
}
