using System.Text.RegularExpressions;
using System.Xml;

namespace PaperFeed.Worker.Sources;

/// <summary>
/// How every source reads XML. No DTD is read, so no entity is ever expanded and nothing is fetched: a
/// billion-laughs or external-entity document fails at its first entity reference as "undeclared entity".
/// Ignore rather than Prohibit lets the harmless DOCTYPE of old RSS 0.91 feeds through. Elements nested more than
/// <see cref="MaxDepth"/> deep are an error too: LINQ to XML walks up to the root for every element it adds, so a
/// few megabytes of <c>&lt;b&gt;&lt;b&gt;&lt;b&gt;…</c> would otherwise cost hours of CPU.
/// </summary>
internal static partial class SafeXml
{
    /// <summary>The deepest element nesting read; real feeds and OAI-PMH responses stay far below it.</summary>
    public const int MaxDepth = 256;

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

        return new DepthLimitedReader(XmlReader.Create(new StringReader(text), settings));
    }

    /// <summary>A reader over <paramref name="body"/> that refuses elements nested more than <see cref="MaxDepth"/> deep.</summary>
    public static XmlReader Create(Stream body, XmlReaderSettings settings) =>
        new DepthLimitedReader(XmlReader.Create(body, settings));

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

    /// <summary>Passes every call to the inner reader and fails a read that goes deeper than <see cref="MaxDepth"/>.</summary>
    private sealed class DepthLimitedReader(XmlReader inner) : XmlReader, IXmlLineInfo
    {
        public override bool Read()
        {
            var read = inner.Read();
            if (read && inner.Depth > MaxDepth)
            {
                var info = inner as IXmlLineInfo;
                throw new XmlException(
                    $"elements are nested more than {MaxDepth} deep", null, info?.LineNumber ?? 0, info?.LinePosition ?? 0);
            }

            return read;
        }

        public override int AttributeCount => inner.AttributeCount;
        public override string BaseURI => inner.BaseURI;
        public override int Depth => inner.Depth;
        public override bool EOF => inner.EOF;
        public override bool IsEmptyElement => inner.IsEmptyElement;
        public override string LocalName => inner.LocalName;
        public override string Name => inner.Name;
        public override string NamespaceURI => inner.NamespaceURI;
        public override XmlNameTable NameTable => inner.NameTable;
        public override XmlNodeType NodeType => inner.NodeType;
        public override string Prefix => inner.Prefix;
        public override ReadState ReadState => inner.ReadState;
        public override string Value => inner.Value;
        public override bool HasValue => inner.HasValue;
        public override bool IsDefault => inner.IsDefault;
        public override string XmlLang => inner.XmlLang;
        public override XmlSpace XmlSpace => inner.XmlSpace;
        public override XmlReaderSettings? Settings => inner.Settings;
        public override bool CanResolveEntity => inner.CanResolveEntity;
        public int LineNumber => (inner as IXmlLineInfo)?.LineNumber ?? 0;
        public int LinePosition => (inner as IXmlLineInfo)?.LinePosition ?? 0;

        public bool HasLineInfo() => inner is IXmlLineInfo info && info.HasLineInfo();

        public override string GetAttribute(int i) => inner.GetAttribute(i);
        public override string? GetAttribute(string name) => inner.GetAttribute(name);
        public override string? GetAttribute(string name, string? namespaceURI) => inner.GetAttribute(name, namespaceURI);
        public override string? LookupNamespace(string prefix) => inner.LookupNamespace(prefix);
        public override bool MoveToAttribute(string name) => inner.MoveToAttribute(name);
        public override bool MoveToAttribute(string name, string? ns) => inner.MoveToAttribute(name, ns);
        public override void MoveToAttribute(int i) => inner.MoveToAttribute(i);
        public override bool MoveToElement() => inner.MoveToElement();
        public override bool MoveToFirstAttribute() => inner.MoveToFirstAttribute();
        public override bool MoveToNextAttribute() => inner.MoveToNextAttribute();
        public override bool ReadAttributeValue() => inner.ReadAttributeValue();
        public override void ResolveEntity() => inner.ResolveEntity();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
