using PaperFeed.Worker.Sources.Arxiv;

namespace PaperFeed.Tests.Sources.Arxiv;

/// <summary>Author strings of arXiv listings: splitting, affiliations and TeX accents.</summary>
public sealed class ArxivAuthorsTests
{
    [Theory]
    [InlineData("Ada Lovelace", new[] { "Ada Lovelace" })]
    [InlineData("Ada Lovelace, Charles Babbage", new[] { "Ada Lovelace", "Charles Babbage" })]
    [InlineData("A. One, B. Two and C. Three", new[] { "A. One", "B. Two", "C. Three" })]
    [InlineData("A. One, B. Two, and C. Three", new[] { "A. One", "B. Two", "C. Three" })]
    [InlineData("Ann Anderson, Sandy Andrews", new[] { "Ann Anderson", "Sandy Andrews" })]
    [InlineData("A. One (Dept. X, Univ. Y (Z), Country), B. Two", new[] { "A. One", "B. Two" })]
    [InlineData(" ,  Ada  Lovelace ,, ", new[] { "Ada Lovelace" })]
    [InlineData("", new string[0])]
    public void SplitsIntoPeople(string authors, string[] expected)
    {
        Assert.Equal(expected, ArxivAuthors.Split(authors));
    }

    [Theory]
    [InlineData(@"Klaus M{\o}lmer", "Klaus Mølmer")]
    [InlineData(@"Michal Hajdu\v{s}ek", "Michal Hajdušek")]
    [InlineData(@"Stanis{\l}aw \'Swierczewski", "Stanisław Świerczewski")]
    [InlineData(@"Fr\'ed\'eric D\'eliot", "Frédéric Déliot")]
    [InlineData(@"Dorival Gon\c{c}alves", "Dorival Gonçalves")]
    [InlineData(@"Juan Ram\'on Mu\~noz de Nova", "Juan Ramón Muñoz de Nova")]
    [InlineData(@"J\""{u}rgen M\""uller", "Jürgen Müller")]
    [InlineData(@"Paul Erd\H{o}s", "Paul Erdős")]
    [InlineData(@"Mar\'{\i}a {\AA}ngstr{\""o}m", "María Ångström")]
    [InlineData(@"Andreas Gro{\ss}e", "Andreas Große")]
    [InlineData(@"M\o ller", "Møller")]
    [InlineData(@"Some \unknown Name", @"Some \unknown Name")]
    public void TexAccentsBecomeUnicode(string tex, string expected)
    {
        Assert.Equal([expected], ArxivAuthors.Split(tex));
    }
}
