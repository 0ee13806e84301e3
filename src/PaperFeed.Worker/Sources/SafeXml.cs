using System.Text.RegularExpressions;
using System.Xml;

namespace PaperFeed.Worker.Sources;

/// <summary>
/// How every source reads XML. No DTD is read, so no entity is ever expanded and nothing is fetched: a
/// billion-laughs or external-entity document fails at its first entity reference as "undeclared entity".
/// Ignore rather than Prohibit lets the harmless DOCTYPE of old RSS 0.91 feeds through.
/// </summary>
internal static partial class SafeXml
{
    public static XmlReaderSettings Settings(bool ignoreWhitespace = false) => new()
    {
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = ignoreWhitespace,
    };

    /// <summary>
    /// A reader over <paramref name="text"/> with the control characters XML 1.0 forbids removed first: real feeds
    /// contain them, and one stray character should not cost a whole listing.
    /// </summary>
    public static XmlReader Open(string text, XmlReaderSettings settings)
    {
        if (ForbiddenChars().IsMatch(text))
        {
            text = ForbiddenChars().Replace(text, "");
        }

        return XmlReader.Create(new StringReader(text), settings);
    }

    /// <summary>
    /// <paramref name="body"/> with the same control characters removed as they stream past, for parsers that never
    /// hold the whole body as text.
    /// </summary>
    public static Stream WithoutControlCharacters(Stream body) => new ControlCharacterFilter(body);

    [GeneratedRegex(@"[\x00-\x08\x0B\x0C\x0E-\x1F]", RegexOptions.CultureInvariant)]
    private static partial Regex ForbiddenChars();

    /// <summary>
    /// Byte-wise is exact for UTF-8 (and any ASCII-compatible encoding: bytes below 0x20 are never part of a
    /// multi-byte sequence); a UTF-16 body, which starts with its byte order mark, is left alone.
    /// </summary>
    private sealed class ControlCharacterFilter(Stream inner) : ReadOnlyStream
    {
        private bool _started;
        private bool _utf16;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (true)
            {
                var n = inner.Read(buffer);
                if (!_started && n > 0)
                {
                    _started = true;
                    _utf16 = n >= 2 && ((buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF));
                }

                if (n == 0 || _utf16)
                {
                    return n;
                }

                var kept = 0;
                for (var i = 0; i < n; i++)
                {
                    var b = buffer[i];
                    if (b >= 0x20 || b is 0x09 or 0x0A or 0x0D)
                    {
                        buffer[kept++] = b;
                    }
                }

                // A read of nothing but control characters must not look like the end of the body.
                if (kept > 0)
                {
                    return kept;
                }
            }
        }

    }
}
