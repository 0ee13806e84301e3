using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>An address a webhook may not go to, and why (e.g. <c>a private address</c>).</summary>
public readonly record struct RefusedAddress(IPAddress Address, string Reason);

/// <summary>
/// The SSRF guard: which addresses webhooks may connect to. Loopback, unspecified, private, link-local, CGNAT,
/// unique-local, multicast, broadcast, documentation, benchmarking and reserved ranges are refused, and so are
/// IPv6 forms that embed such an IPv4 address (IPv4-mapped and -compatible, NAT64 <c>64:ff9b::/96</c>, 6to4
/// <c>2002::/16</c>). <see cref="WebhookOptions.AllowPrivateNetworks"/> lets the private kinds through (loopback,
/// private, link-local, CGNAT, unique-local; not the cloud metadata address); an entry of
/// <see cref="WebhookOptions.AllowedNetworks"/> lets anything it contains through.
/// </summary>
public sealed class WebhookAddressPolicy
{
    private const string AllowPrivateSetting = WebhookOptions.Section + ":" + nameof(WebhookOptions.AllowPrivateNetworks);
    private const string AllowedNetworksSetting = WebhookOptions.Section + ":" + nameof(WebhookOptions.AllowedNetworks);

    private static readonly IPAddress MetadataV4 = IPAddress.Parse("169.254.169.254");
    private static readonly IPAddress MetadataV6 = IPAddress.Parse("fd00:ec2::254");

    /// <summary>The policy of <paramref name="options"/>.</summary>
    /// <exception cref="FormatException">An entry of <see cref="WebhookOptions.AllowedNetworks"/> is neither a network nor an address.</exception>
    public WebhookAddressPolicy(WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        AllowPrivateNetworks = options.AllowPrivateNetworks;
        var networks = new List<IPNetwork>();
        foreach (var entry in options.AllowedNetworks)
        {
            networks.Add(TryParseNetwork(entry, out var network)
                ? network
                : throw new FormatException(DescribeBadNetwork(entry)));
        }

        AllowedNetworks = networks;
    }

    public bool AllowPrivateNetworks { get; }

    public IReadOnlyList<IPNetwork> AllowedNetworks { get; }

    /// <summary>Null when a webhook may connect to <paramref name="address"/>, else why not (<c>a private address</c>).</summary>
    public string? Check(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Classify(address) is not { } range)
        {
            return null;
        }

        if (IsListed(address) || (range.Embedded is { } embedded && IsListed(embedded)))
        {
            return null;
        }

        return AllowPrivateNetworks && range.Private ? null : range.Description;
    }

    /// <summary>
    /// Null for an address of the public internet, else the special range it is in (<c>a loopback address</c>),
    /// whatever the options say.
    /// </summary>
    public static string? Describe(IPAddress address) => Classify(address)?.Description;

    /// <summary>
    /// Checks a webhook URL as the API accepts it: absolute <c>http</c> or <c>https</c>, a host, no user-info,
    /// and a literal address (in any form <see cref="Uri"/> understands: <c>http://2130706433/</c> is 127.0.0.1)
    /// or <c>localhost</c> checked against the policy at once. Names are checked when they are resolved, at
    /// every connection. Any port.
    /// </summary>
    /// <returns>Null when the URL is acceptable, else a precise reason.</returns>
    public static string? ValidateUrl(string url, WebhookOptions options) => new WebhookAddressPolicy(options).ValidateUrl(url);

    /// <inheritdoc cref="ValidateUrl(string, WebhookOptions)"/>
    public string? ValidateUrl(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "the webhook URL is empty";
        }

        // On Unix, Uri takes "/path" for an absolute file path; such a string is a relative URL here.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.IsFile && !url.TrimStart().StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            return !url.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(url, UriKind.Relative, out _)
                ? $"'{url}' is a relative URL; a webhook URL must be absolute (http:// or https://)"
                : $"'{url}' is not a valid absolute URL";
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"the scheme '{uri.Scheme}:' is not allowed; a webhook URL must be http:// or https://";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return "the webhook URL has no host";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "the webhook URL must not contain user-info credentials (user:password@ before the host)";
        }

        if (LiteralAddress(uri) is { } literal)
        {
            return Check(literal) is { } reason ? DescribeRefusal(literal.ToString(), [new RefusedAddress(literal, reason)]) : null;
        }

        if (IsLocalhost(uri.IdnHost) && LocalhostAddresses.All(a => Check(a) is not null))
        {
            return DescribeRefusal(uri.IdnHost, LocalhostAddresses.Select(a => new RefusedAddress(a, Check(a)!)).ToList());
        }

        return null;
    }

    /// <summary>
    /// The people-facing reason a host was refused: <c>webhook host 'hooks.example' resolves to 10.0.0.5, a private
    /// address; set PaperFeed:Webhooks:AllowPrivateNetworks or add it to PaperFeed:Webhooks:AllowedNetworks to allow it</c>.
    /// </summary>
    public string DescribeRefusal(string host, IReadOnlyList<RefusedAddress> refused)
    {
        ArgumentOutOfRangeException.ThrowIfZero(refused.Count);
        var literal = refused.Count == 1 && IPAddress.TryParse(host.Trim('[', ']'), out var parsed) && parsed.Equals(refused[0].Address);
        var what = literal
            ? $"webhook address {refused[0].Address} is {refused[0].Reason}"
            : refused.Count == 1
                ? $"webhook host '{host}' resolves to {refused[0].Address}, {refused[0].Reason}"
                : $"webhook host '{host}' resolves only to refused addresses: {string.Join(", ", refused.Select(r => $"{r.Address} ({r.Reason})"))}";
        var it = refused.Count == 1 ? "it" : "them";

        // The private kinds can be allowed wholesale; the others only by naming them.
        var privateKinds = !AllowPrivateNetworks && refused.All(r => Classify(r.Address) is { Private: true });
        return privateKinds
            ? $"{what}; set {AllowPrivateSetting} or add {it} to {AllowedNetworksSetting} to allow {it}"
            : $"{what}; add {it} to {AllowedNetworksSetting} to allow {it}";
    }

    /// <summary>A network in CIDR notation (<c>10.1.0.0/16</c>) or a single address (<c>10.0.0.5</c>, <c>fd00::1</c>).</summary>
    public static bool TryParseNetwork(string? entry, out IPNetwork network)
    {
        network = default;
        var text = entry?.Trim();
        if (string.IsNullOrEmpty(text) || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var address = slash < 0 ? text : text[..slash];

        // IPAddress also reads "10" and "10.1" as IPv4; in a setting they are more likely mistakes.
        if (!address.Contains(':', StringComparison.Ordinal) && address.Split('.').Length != 4)
        {
            return false;
        }

        if (slash >= 0)
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out var single))
        {
            return false;
        }

        network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    /// <summary>Why a configured entry was rejected.</summary>
    public static string DescribeBadNetwork(string? entry) =>
        $"{AllowedNetworksSetting}: '{entry}' is neither a network in CIDR notation (10.1.0.0/16) nor a single address (10.0.0.5, fd00::1)";

    /// <summary>The literal address of a URL's host, in whichever form it was written; null for a name.</summary>
    public static IPAddress? LiteralAddress(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            return IPAddress.Parse(uri.Host.Trim('[', ']'));
        }

        // A trailing dot ("127.0.0.1.", "2130706433.") or IDNA-mapped digits ("①②⑦.0.0.1", "①②⑦.①") leave Uri
        // calling it a name, though a resolver may read it as the address. Uri itself says whether what is left is
        // an IPv4 address in any of its inet_aton spellings (decimal, hex, octal, short forms).
        var host = uri.IdnHost.TrimEnd('.');
        if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal) || !host.All(c => char.IsAsciiHexDigit(c) || c is '.' or 'x' or 'X'))
        {
            return null;
        }

        return Uri.TryCreate($"http://{host}/", UriKind.Absolute, out var bare) && bare.HostNameType == UriHostNameType.IPv4
            ? IPAddress.Parse(bare.Host)
            : null;
    }

    /// <summary><c>localhost</c> and its subdomains, which resolve to loopback whatever DNS says (RFC 6761).</summary>
    public static bool IsLocalhost(string host)
    {
        var h = host.TrimEnd('.');
        return h.Equals("localhost", StringComparison.OrdinalIgnoreCase) || h.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The addresses <c>localhost</c> stands for.</summary>
    public static IReadOnlyList<IPAddress> LocalhostAddresses { get; } = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    private bool IsListed(IPAddress address)
    {
        foreach (var network in AllowedNetworks)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A special range: what to call it, whether <see cref="WebhookOptions.AllowPrivateNetworks"/> covers it, and the IPv4 address it embeds.</summary>
    private readonly record struct SpecialRange(string Description, bool Private, IPAddress? Embedded = null);

    private static SpecialRange? Classify(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => ClassifyV4(address),
        AddressFamily.InterNetworkV6 => ClassifyV6(address),
        _ => new SpecialRange($"an address of family {address.AddressFamily}", false),
    };

    private static SpecialRange? ClassifyV4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return b[0] switch
        {
            0 => new("an unspecified address (0.0.0.0/8)", false),
            10 => new("a private address", true),
            100 when (b[1] & 0xC0) == 64 => new("a carrier-grade NAT address (100.64.0.0/10)", true),
            127 => new("a loopback address", true),
            169 when b[1] == 254 => address.Equals(MetadataV4)
                ? new("the cloud metadata address", false)
                : new("a link-local address", true),
            172 when (b[1] & 0xF0) == 16 => new("a private address", true),
            192 when b[1] == 0 && b[2] == 0 => new("an IETF protocol assignment address (192.0.0.0/24)", false),
            192 when b[1] == 0 && b[2] == 2 => new("a documentation address (192.0.2.0/24)", false),
            192 when b[1] == 88 && b[2] == 99 => new("a deprecated 6to4 relay address (192.88.99.0/24)", false),
            192 when b[1] == 168 => new("a private address", true),
            198 when (b[1] & 0xFE) == 18 => new("a benchmarking address (198.18.0.0/15)", false),
            198 when b[1] == 51 && b[2] == 100 => new("a documentation address (198.51.100.0/24)", false),
            203 when b[1] == 0 && b[2] == 113 => new("a documentation address (203.0.113.0/24)", false),
            >= 224 and < 240 => new("a multicast address", false),
            255 when b[1] == 255 && b[2] == 255 && b[3] == 255 => new("the broadcast address", false),
            >= 240 => new("a reserved address (240.0.0.0/4)", false),
            _ => null,
        };
    }

    private static SpecialRange? ClassifyV6(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        var high = BinaryPrimitives.ReadUInt64BigEndian(b);
        var low = BinaryPrimitives.ReadUInt64BigEndian(b[8..]);

        if (high == 0 && low == 0)
        {
            return new("an unspecified address (::)", false);
        }

        if (high == 0 && low == 1)
        {
            return new("a loopback address", true);
        }

        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), ::ffff:0:a.b.c.d (translated).
        if (high == 0 && (low >> 32) is 0xFFFF or 0 or 0xFFFF_0000)
        {
            var form = (low >> 32) switch { 0xFFFF => "IPv4-mapped", 0 => "IPv4-compatible", _ => "IPv4-translated" };
            return Embedding(new IPAddress(b[12..]), form);
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)
        {
            if (high == 0x0064_FF9B_0000_0000 && low >> 32 == 0)
            {
                return Embedding(new IPAddress(b[12..]), "NAT64");
            }

            if (b[4] == 0x00 && b[5] == 0x01)
            {
                return new("a local-use NAT64 address (64:ff9b:1::/48)", true);
            }
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return Embedding(new IPAddress(b[2..6]), "6to4");
        }

        if (high >> 32 == 0x2001_0DB8 || high >> 44 == 0x3FFF0)
        {
            return new("a documentation address", false);
        }

        if (high >> 16 == 0x2001_0002_0000)
        {
            return new("a benchmarking address (2001:2::/48)", false);
        }

        if (high == 0x0100_0000_0000_0000)
        {
            return new("a discard-only address (100::/64)", false);
        }

        if ((b[0] & 0xFE) == 0xFC)
        {
            return address.Equals(MetadataV6)
                ? new("the cloud metadata address", false)
                : new("a unique local address (fc00::/7)", true);
        }

        if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
        {
            return new("a link-local address", true);
        }

        if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
        {
            return new("a site-local address (fec0::/10)", true);
        }

        if (b[0] == 0xFF)
        {
            return new("a multicast address", false);
        }

        return null;
    }

    /// <summary>An IPv6 address that stands for an IPv4 one is as special as that one.</summary>
    private static SpecialRange? Embedding(IPAddress embedded, string form) =>
        ClassifyV4(embedded) is { } inner
            ? inner with { Description = $"{inner.Description} ({form} {embedded})", Embedded = embedded }
            : null;
}
