using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Tests.Subscriptions;

public sealed class SubscriptionFilterValidatorTests
{
    private static IReadOnlyList<string> Validate(SubscriptionFilter filter) => SubscriptionFilterValidator.Validate(filter);

    [Fact]
    public void AFilterUsingEveryFacetIsValid()
    {
        var filter = new SubscriptionFilter
        {
            Keywords = ["transformer", "\"large language model\"", "Schrödinger equation"],
            Exclude = ["survey"],
            Categories = ["cs.CL", "cs.*", "hep-th", "cond-mat.str-el", "MATH.pr"],
            Authors = ["Yann LeCun", "LeCun, Yann", "Hinton"],
            Sources = ["arxiv-cs"],
            MinUpvotes = 0,
            HasCode = true,
        };

        Assert.Empty(Validate(filter));
    }

    [Theory]
    [MemberData(nameof(OneFacetEach))]
    public void AnyOneSelectingFacetIsEnough(SubscriptionFilter filter) => Assert.Empty(Validate(filter));

    public static TheoryData<SubscriptionFilter> OneFacetEach() =>
    [
        new SubscriptionFilter { Keywords = ["robot"] },
        new SubscriptionFilter { Categories = ["cs.RO"] },
        new SubscriptionFilter { Authors = ["Lovelace"] },
        new SubscriptionFilter { Sources = ["hf-daily"] },
        new SubscriptionFilter { MinUpvotes = 10 },
        new SubscriptionFilter { HasCode = true },
    ];

    [Fact]
    public void AFilterSelectingNothingIsRejected()
    {
        Assert.Equal(["filter needs at least one of keywords, categories, authors, sources, minUpvotes or hasCode"], Validate(new SubscriptionFilter()));
        Assert.Equal(["filter needs at least one of keywords, categories, authors, sources, minUpvotes or hasCode"], Validate(new SubscriptionFilter { Exclude = ["survey"] }));
    }

    [Fact]
    public void NoFilterIsRejected() => Assert.Equal(["filter is required"], SubscriptionFilterValidator.Validate(null));

    [Fact]
    public void EmptyEntriesAreNamedByTheirPath()
    {
        var errors = Validate(new SubscriptionFilter
        {
            Keywords = ["robot", "graph", " "],
            Exclude = [""],
            Categories = ["\t"],
            Authors = [null!],
            Sources = ["arxiv-cs", ""],
        });

        Assert.Equal(
        [
            "filter.keywords[2] is empty",
            "filter.exclude[0] is empty",
            "filter.categories[0] is empty",
            "filter.authors[0] is empty",
            "filter.sources[1] is empty",
        ], errors);
    }

    [Fact]
    public void AKeywordWithoutAWordIsRejected()
    {
        Assert.Equal(
            ["filter.keywords[1] '!!!' contains no word", "filter.exclude[0] '\"\"' contains no word"],
            Validate(new SubscriptionFilter { Keywords = ["robot", "!!!"], Exclude = ["\"\""] }));
    }

    [Fact]
    public void APhraseOfMoreThanTenWordsIsRejected()
    {
        var ten = string.Join(' ', Enumerable.Repeat("word", 10));

        Assert.Empty(Validate(new SubscriptionFilter { Keywords = [ten] }));
        Assert.Equal(
            ["filter.keywords[0] has 11 words (a phrase has at most 10)"],
            Validate(new SubscriptionFilter { Keywords = [ten + "-more"] }));
        Assert.Equal(
            ["filter.exclude[0] has 12 words (a phrase has at most 10)"],
            Validate(new SubscriptionFilter { Keywords = ["robot"], Exclude = [ten + " two more"] }));
    }

    [Fact]
    public void AnEntryOfMoreThan200CharactersIsRejected()
    {
        Assert.Empty(Validate(new SubscriptionFilter { Sources = [new string('s', 200)] }));
        Assert.Equal(
            ["filter.sources[0] is 201 characters long (at most 200)"],
            Validate(new SubscriptionFilter { Sources = [new string('s', 201)] }));
        Assert.Equal(
            ["filter.authors[0] is 250 characters long (at most 200)"],
            Validate(new SubscriptionFilter { Authors = [new string('a', 250)] }));
    }

    [Fact]
    public void AListOfMoreThan100EntriesIsRejected()
    {
        var hundred = Enumerable.Range(0, 100).Select(i => $"word{i}").ToList();

        Assert.Empty(Validate(new SubscriptionFilter { Keywords = hundred }));
        Assert.Equal(
            ["filter.keywords has 101 entries (at most 100)"],
            Validate(new SubscriptionFilter { Keywords = [.. hundred, "one more"] }));
        Assert.Equal(
            ["filter.categories has 120 entries (at most 100)"],
            Validate(new SubscriptionFilter { Categories = [.. Enumerable.Repeat("cs.CL", 120)] }));
    }

    [Theory]
    [InlineData("cs CL")]
    [InlineData("cs.")]
    [InlineData(".CL")]
    [InlineData("*")]
    [InlineData("cs.C*")]
    [InlineData("cs/CL")]
    [InlineData("math.PR.x")]
    [InlineData("cs.*.*")]
    public void SomethingThatIsNotACategoryIsRejected(string category)
    {
        Assert.Equal(
            [$"filter.categories[0] '{category}' is not a category (e.g. cs.CL, math.PR or cs.*)"],
            Validate(new SubscriptionFilter { Categories = [category] }));
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("hep-th")]
    [InlineData("q-bio.NC")]
    [InlineData("physics.atom-ph")]
    [InlineData("cs.*")]
    [InlineData(" cs.CL ")]
    public void CategoriesAndArchivesAreAccepted(string category) =>
        Assert.Empty(Validate(new SubscriptionFilter { Categories = [category] }));

    [Fact]
    public void AnAuthorWithoutANameIsRejected()
    {
        Assert.Equal(["filter.authors[1] ', .' contains no name"], Validate(new SubscriptionFilter { Authors = ["Lovelace", ", ."] }));
    }

    [Fact]
    public void NegativeMinUpvotesAreRejected()
    {
        Assert.Equal(["filter.minUpvotes must be 0 or more (was -3)"], Validate(new SubscriptionFilter { MinUpvotes = -3 }));
    }

    [Fact]
    public void EveryProblemIsReportedInFieldOrder()
    {
        var errors = Validate(new SubscriptionFilter
        {
            Keywords = ["", "!!!"],
            Categories = ["cs CL"],
            MinUpvotes = -1,
        });

        Assert.Equal(
        [
            "filter.keywords[0] is empty",
            "filter.keywords[1] '!!!' contains no word",
            "filter.categories[0] 'cs CL' is not a category (e.g. cs.CL, math.PR or cs.*)",
            "filter.minUpvotes must be 0 or more (was -1)",
        ], errors);
    }
}
