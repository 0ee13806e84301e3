using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PaperFeed.Worker.Subscriptions;

/// <summary>
/// Ids for subscriptions (<c>sub_</c>) and deliveries (<c>dlv_</c>): a prefix and 26 Crockford base-32
/// characters, 48 bits of milliseconds then 80 random bits (the ULID layout), so ids sort by creation time.
/// </summary>
public static class ResourceIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string NewSubscriptionId(TimeProvider time) => New("sub_", time);

    public static string NewDeliveryId(TimeProvider time) => New("dlv_", time);

    private static string New(string prefix, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }

        RandomNumberGenerator.Fill(bytes[6..]);

        // 128 bits as 26 five-bit groups (the first group holds the top 3 bits).
        Span<char> chars = stackalloc char[26];
        var value = new UInt128(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return prefix + new string(chars);
    }
}
