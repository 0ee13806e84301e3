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

    [GeneratedRegex(@"[\x00-\x08\x0B\x0C\x0E-\x1F]", RegexOptions.CultureInvariant)]
    private static partial Regex ForbiddenChars();
}
