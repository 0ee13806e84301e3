using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;
using static PaperFeed.Tests.Subscriptions.Matching;

namespace PaperFeed.Tests.Subscriptions;

public sealed class CompiledFilterTests
{
    [Fact]
    public void WordsAreLowerCasedStrippedOfAccentsAndSplitOnAnythingButLettersAndDigits()
    {
        Assert.Equal(
            ["schrodinger", "s", "state", "of", "the", "art", "gpt", "4", "naive", "bayes", "uber", "cafe"],
            MatchText.Words("Schrödinger's State-of-the-Art GPT-4: naïve\u00A0Bayes, Über\ncafe\u0301"));
        Assert.Empty(MatchText.Words("  !!! -- "));
        Assert.Empty(MatchText.Words(null));
    }

    [Fact]
    public void WordsOfOtherScriptsKeepTheirLetters()
    {
        Assert.Equal(["μηχανικη", "μαθηση"], MatchText.Words("Μηχανική   Μάθηση"));
        Assert.Equal(["ελληνικα"], MatchText.Words("ΕΛΛΗΝΙΚΆ"));
    }

    [Fact]
    public void AKeywordMatchesAWholeWordOfTitleOrAbstractWhateverItsCase()
    {
        var filter = new SubscriptionFilter { Keywords = ["transformer"] };

        Assert.True(Matches(filter, Paper(title: "The TRANSFORMER, revisited")));
        Assert.True(Matches(filter, Paper(title: "Nothing here", @abstract: "We train a transformer.")));
        Assert.False(Matches(filter, Paper(title: "Transformers are RNNs")));
        Assert.False(Matches(filter, Paper(title: "Vision", @abstract: "A pretransformer stage.")));
    }

    [Fact]
    public void KeywordsAndTextMatchAcrossAccents()
    {
        Assert.True(Matches(new SubscriptionFilter { Keywords = ["Schrödinger"] }, Paper(@abstract: "the schrodinger equation")));
        Assert.True(Matches(new SubscriptionFilter { Keywords = ["schrodinger"] }, Paper(@abstract: "the Schrödinger equation")));
        Assert.True(Matches(new SubscriptionFilter { Keywords = ["schrodinger"] }, Paper(@abstract: "the Schro\u0308dinger equation")));
        Assert.False(Matches(new SubscriptionFilter { Keywords = ["schrodinger"] }, Paper(@abstract: "the Schroedinger equation")));
    }

    [Fact]
    public void APhraseMatchesItsWordsInOrderAndAdjacent()
    {
        var filter = new SubscriptionFilter { Keywords = ["large language model"] };

        Assert.True(Matches(filter, Paper(@abstract: "We fine-tune a Large-Language Model on code.")));
        Assert.True(Matches(filter, Paper(@abstract: "a large large language model")));
        Assert.False(Matches(filter, Paper(@abstract: "a model of large language")));
        Assert.False(Matches(filter, Paper(@abstract: "a large and capable language model")));
        Assert.False(Matches(filter, Paper(@abstract: "large language models")));
    }

    [Fact]
    public void SurroundingQuotesOfAPhraseAreOptional()
    {
        var paper = Paper(@abstract: "on the language model of the brain");

        Assert.True(Matches(new SubscriptionFilter { Keywords = ["\"language model\""] }, paper));
        Assert.True(Matches(new SubscriptionFilter { Keywords = ["language model"] }, paper));
        Assert.False(Matches(new SubscriptionFilter { Keywords = ["\"model language\""] }, paper));
    }

    [Fact]
    public void APhraseDoesNotSpanTitleAndAbstract()
    {
        var filter = new SubscriptionFilter { Keywords = ["language model"] };

        Assert.False(Matches(filter, Paper(title: "Scaling language", @abstract: "Model size matters.")));
        Assert.True(Matches(filter, Paper(title: "Scaling a language model", @abstract: "Model size matters.")));
    }

    [Fact]
    public void OneKeywordOfSeveralIsEnough()
    {
        var filter = new SubscriptionFilter { Keywords = ["diffusion", "score matching"] };

        Assert.True(Matches(filter, Paper(@abstract: "denoising score matching")));
        Assert.True(Matches(filter, Paper(@abstract: "latent diffusion")));
        Assert.False(Matches(filter, Paper(@abstract: "score based matching")));
    }

    [Fact]
    public void AnExcludedWordOrPhraseDropsThePaper()
    {
        var filter = new SubscriptionFilter { Keywords = ["robot"], Exclude = ["survey", "\"reinforcement learning\""] };

        Assert.True(Matches(filter, Paper(title: "Robot grasping")));
        Assert.False(Matches(filter, Paper(title: "Robot grasping: a SURVEY")));
        Assert.False(Matches(filter, Paper(title: "Robot grasping", @abstract: "with reinforcement learning")));
        Assert.True(Matches(filter, Paper(title: "Robot grasping", @abstract: "learning without reinforcement")));
        Assert.True(Matches(filter, Paper(title: "Robot grasping", @abstract: "surveys of grasping")));
    }

    [Fact]
    public void CategoriesCompareWithoutCase()
    {
        var filter = new SubscriptionFilter { Categories = ["cs.CL", "hep-th"] };

        Assert.True(Matches(filter, Paper(categories: ["cs.cl"])));
        Assert.True(Matches(filter, Paper(categories: ["math.PR", "HEP-TH"])));
        Assert.False(Matches(filter, Paper(categories: ["cs.LG"])));
        Assert.False(Matches(filter, Paper(categories: ["hep-ph"])));
        Assert.False(Matches(filter, Paper()));
    }

    [Fact]
    public void AnArchiveWildcardMatchesEveryCategoryOfThatArchive()
    {
        var filter = new SubscriptionFilter { Categories = ["cs.*"] };

        Assert.True(Matches(filter, Paper(categories: ["cs.LG"])));
        Assert.True(Matches(filter, Paper(categories: ["math.PR", "CS.ro"])));
        Assert.False(Matches(filter, Paper(categories: ["math.PR"])));
        Assert.False(Matches(filter, Paper(categories: ["physics.comp-ph"])));
        Assert.False(Matches(filter, Paper(categories: ["cs"])));
    }

    [Fact]
    public void AuthorNamesMatchInEitherOrderWithoutCaseAccentsOrExtraSpaces()
    {
        var full = new SubscriptionFilter { Authors = ["Yann LeCun"] };

        Assert.True(Matches(full, Paper(authors: ["LeCun, Yann"])));
        Assert.True(Matches(full, Paper(authors: ["Geoffrey Hinton", "yann   lecun"])));
        Assert.True(Matches(new SubscriptionFilter { Authors = ["LeCun, Yann"] }, Paper(authors: ["Yann LeCun"])));
        Assert.True(Matches(new SubscriptionFilter { Authors = ["Jürgen Schmidhuber"] }, Paper(authors: ["Jurgen Schmidhuber"])));
        Assert.False(Matches(full, Paper(authors: ["Yann A. LeCun"])));
        Assert.False(Matches(full, Paper(authors: ["Yann", "LeCun"])));
    }

    [Fact]
    public void AOneWordAuthorMatchesTheFamilyNameOnly()
    {
        var family = new SubscriptionFilter { Authors = ["lecun"] };

        Assert.True(Matches(family, Paper(authors: ["Yann LeCun"])));
        Assert.True(Matches(family, Paper(authors: ["LeCun, Y."])));
        Assert.False(Matches(family, Paper(authors: ["LeCunn Yann"])));
        Assert.False(Matches(new SubscriptionFilter { Authors = ["Yann"] }, Paper(authors: ["Yann LeCun"])));
        Assert.True(Matches(new SubscriptionFilter { Authors = ["Müller"] }, Paper(authors: ["Anna Muller"])));
    }

    [Fact]
    public void SourcesCompareWithoutCase()
    {
        var filter = new SubscriptionFilter { Sources = ["HF-Daily"] };

        Assert.True(Matches(filter, Paper(sources: ["arxiv-cs", "hf-daily"])));
        Assert.False(Matches(filter, Paper(sources: ["arxiv-cs"])));
    }

    [Fact]
    public void MinUpvotesNeedsAtLeastThatManyAndAnUpvoteCount()
    {
        var filter = new SubscriptionFilter { MinUpvotes = 10 };

        Assert.True(Matches(filter, Paper(upvotes: 10)));
        Assert.True(Matches(filter, Paper(upvotes: 250)));
        Assert.False(Matches(filter, Paper(upvotes: 9)));
        Assert.False(Matches(filter, Paper(upvotes: null)));
        Assert.False(Matches(new SubscriptionFilter { MinUpvotes = 0 }, Paper(upvotes: null)));
        Assert.True(Matches(new SubscriptionFilter { MinUpvotes = 0 }, Paper(upvotes: 0)));
    }

    [Fact]
    public void HasCodeNeedsACodeLink()
    {
        var filter = new SubscriptionFilter { HasCode = true };

        Assert.True(Matches(filter, Paper(code: "https://github.com/org/repo")));
        Assert.False(Matches(filter, Paper(code: null)));
        Assert.False(Matches(filter, Paper(code: "  ")));
        Assert.True(Matches(new SubscriptionFilter { HasCode = false, Keywords = ["paper"] }, Paper(code: null)));
    }

    [Fact]
    public void EveryFacetThatIsSetMustHold()
    {
        var filter = new SubscriptionFilter
        {
            Keywords = ["retrieval"],
            Categories = ["cs.IR"],
            Authors = ["Smith"],
            Sources = ["arxiv-cs"],
            MinUpvotes = 5,
            HasCode = true,
        };
        var paper = Paper(title: "Dense retrieval", authors: ["Jane Smith"], categories: ["cs.IR"], sources: ["arxiv-cs"], upvotes: 5, code: "https://github.com/x/y");

        Assert.True(Matches(filter, paper));
        Assert.False(Matches(filter, paper with { Title = "Dense search" }));
        Assert.False(Matches(filter, paper with { Categories = ["cs.CL"] }));
        Assert.False(Matches(filter, paper with { Authors = ["Jane Doe"] }));
        Assert.False(Matches(filter, paper with { Sources = ["hf-daily"] }));
        Assert.False(Matches(filter, paper with { Metrics = new() { Upvotes = 4 } }));
        Assert.False(Matches(filter, paper with { Links = new() }));
    }

    [Fact]
    public void AFacetOfOnlyEmptyEntriesCanNeverHold()
    {
        var compiled = CompiledFilter.Compile(new SubscriptionFilter { Keywords = ["!!!", " "], Categories = ["cs.CL"] });

        Assert.False(compiled.CanMatch);
        Assert.Empty(compiled.Keywords);
        Assert.False(compiled.Matches(MatchablePaper.From(Paper(title: "!!!", categories: ["cs.CL"]))));
    }

    [Fact]
    public void EntriesAreNormalisedAndDeduplicated()
    {
        var compiled = CompiledFilter.Compile(new SubscriptionFilter
        {
            Keywords = ["\"Large Language Model\"", "large  language-model", "Naïve"],
            Categories = ["cs.CL", " CS.cl "],
            Authors = ["LeCun, Yann", "Yann LeCun"],
            Sources = ["HF-Daily"],
        });

        Assert.True(compiled.CanMatch);
        Assert.Equal([["large", "language", "model"], ["naive"]], compiled.Keywords);
        Assert.Equal(["cs.cl"], compiled.Categories);
        Assert.Equal(["yann lecun"], compiled.Authors);
        Assert.Equal(["hf-daily"], compiled.Sources);
    }

    [Fact]
    public void AFilterWithNoFacetMatchesEveryPaper()
    {
        Assert.True(Matches(new SubscriptionFilter(), Paper()));
        Assert.False(Matches(new SubscriptionFilter { Exclude = ["paper"] }, Paper(title: "A paper")));
    }
}
