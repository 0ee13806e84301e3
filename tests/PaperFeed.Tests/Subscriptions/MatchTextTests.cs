using System.Globalization;
using System.Text;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Tests.Subscriptions;

public sealed class MatchTextTests
{
    // Letters, digits, punctuation and spaces in ASCII; accented and special Latin letters (precomposed and with
    // combining marks); Greek, Cyrillic, Hangul, CJK; Devanagari with a spacing and a non-spacing mark; characters
    // outside the BMP (a letter and an emoji); the Angstrom sign and "≠", whose decompositions differ from them.
    private static readonly string[] Pieces =
    [
        "a", "Z", "q", "7", " ", " ", "-", ".", "'", "\t", "é", "Ö", "ñ", "ß", "İ", "ø", "Æ", "e\u0301", "\u0308",
        "Σ", "ά", "ς", "Й", "한", "中", "क", "\u093F", "\u094D", "😀", "𝒜", "Ａ", "ﬁ", "\u212B", "≠", "\u00A0",
    ];

    private static readonly string[] AsciiPieces = ["a", "Z", "q", "7", " ", "  ", "-", ".", "'", "\t", "Ab", "XY", "09", "\n"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WordsEqualThoseOfFoldingTheWholeTextAtOnce(bool asciiOnly)
    {
        var pieces = asciiOnly ? AsciiPieces : Pieces;
        var random = new Random(7);
        for (var n = 0; n < 3_000; n++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 20)).Select(_ => pieces[random.Next(pieces.Length)]));

            Assert.Equal(ReferenceWords(text), MatchText.Words(text));
            Assert.Equal(ReferenceFold(text), MatchText.Fold(text));
        }
    }

    [Fact]
    public void ALoneSurrogateSeparatesWords()
    {
        Assert.Equal(["ab", "cd"], MatchText.Words("ab\uD800cd"));
        Assert.Equal(["ab", "cd"], MatchText.Words("ab\uDC00cd"));
    }

    [Fact]
    public void FoldingKeepsPunctuationAndCollapsesWhitespace()
    {
        Assert.Equal("o'neil, j.-p.", MatchText.Fold("  O'Néil,\t\u00A0J.-P.  "));
        Assert.Equal("already folded", MatchText.Fold("already folded"));
        Assert.Equal("", MatchText.Fold(" \t "));
    }

    [Theory]
    [InlineData("LeCun, Yann", "yann lecun", "lecun")]
    [InlineData("Yann   LeCun", "yann lecun", "lecun")]
    [InlineData("Gödel, Kurt", "kurt godel", "godel")]
    [InlineData("Plato", "plato", "plato")]
    [InlineData("van der Berg, Jan", "jan van der berg", "berg")]
    [InlineData("Smith,", "smith", "smith")]
    [InlineData(", .", "", "")]
    public void AuthorNamesAreFoldedAndReordered(string name, string normalised, string family)
    {
        Assert.Equal(normalised, MatchText.AuthorName(name));
        Assert.Equal(family, MatchText.FamilyName(normalised));
    }

    [Fact]
    public void CategoriesAnswerToTheirArchiveWildcard()
    {
        Assert.Equal("cs.cl", MatchText.Category(" cs.CL "));
        Assert.Equal("cs.*", MatchText.ArchiveWildcard("cs.cl"));
        Assert.Equal("cond-mat.*", MatchText.ArchiveWildcard("cond-mat.str-el"));
        Assert.Null(MatchText.ArchiveWildcard("hep-th"));
        Assert.Null(MatchText.ArchiveWildcard("cs.*"));
    }

    private static List<string> ReferenceWords(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var rune in text.Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (category == UnicodeCategory.SpacingCombiningMark || Rune.IsLetterOrDigit(rune))
            {
                word.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string ReferenceFold(string text)
    {
        var parts = new List<string>();
        var part = new StringBuilder();
        foreach (var rune in text.Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                if (part.Length > 0)
                {
                    parts.Add(part.ToString());
                    part.Clear();
                }
            }
            else if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                part.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }

        if (part.Length > 0)
        {
            parts.Add(part.ToString());
        }

        return string.Join(' ', parts);
    }
}
