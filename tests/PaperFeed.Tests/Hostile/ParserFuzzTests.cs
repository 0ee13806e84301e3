using System.Diagnostics;
using System.Globalization;
using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Testing;

namespace PaperFeed.Tests.Hostile;

/// <summary>
/// A deterministic mutation fuzzer over every parser family: byte flips, truncation, splicing two documents,
/// duplicated and deleted ranges, and inserted tokens that matter to the format, applied to the repository's own
/// small fixtures and to the recorded real payloads (read where they are, skipped when absent). Within a time budget
/// (<c>PAPERFEED_FUZZ_SECONDS</c> per family, 8 by default, split between the two seed sets) each input must parse
/// or fail with the parser's documented error, within <see cref="PerInput"/>. A failure names the seed and the
/// iteration and writes the input under <c>fuzz-failures/</c> in the test output folder; <c>PAPERFEED_FUZZ_SEED</c>
/// replays a run.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int DefaultSecondsPerFamily = 8;
    private const int DefaultSeed = 20_261_127;

    /// <summary>No input of these sizes takes a parser more than milliseconds; this much is a hang.</summary>
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(10);

    /// <summary>A family: its parsers (each body goes through all of them), its own fixtures and its real-fixture folder.</summary>
    private sealed record Family(string Name, Parser[] Parsers, string OwnFolder, Func<string, bool> OwnFiles, string RealKind);

    private static readonly Family[] Families =
    [
        new("feed", [Parser.FeedRss], "feeds", _ => true, "feeds"),
        new("arxiv-rss", [Parser.ArxivRss], "arxiv", f => f.StartsWith("rss-", StringComparison.Ordinal) || f.StartsWith("atom-", StringComparison.Ordinal), "arxiv-rss"),
        new("arxiv-api", [Parser.ArxivApi, Parser.ArxivApiStream], "arxiv", f => f.StartsWith("api-", StringComparison.Ordinal), "arxiv-api"),
        new("arxiv-oai", [Parser.ArxivOai], "arxiv-oai", _ => true, "arxiv-oai"),
        new("huggingface", [Parser.HuggingFace], "huggingface", _ => true, "huggingface"),
    ];

    public static TheoryData<string> FamilyNames() => [.. Families.Select(f => f.Name)];

    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "<", ">", "</", "/>", "&", "&amp;", "&#0;", "&#x1F600;", "&lol;", "]]>", "<![CDATA[", "<!--", "-->", "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
            "<!DOCTYPE x [<!ENTITY lol \"lol\">]>", "<!DOCTYPE x SYSTEM \"http://127.0.0.1:9/x.dtd\">", "xmlns=\"\"", "xmlns:a=\"urn:a\"", "a:",
            "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\uD800", "null", "1e400", "-1", "99999999999999999999", "NaN",
            "\"id\":", "\"title\":", "\"paper\":", "<entry>", "<item>", "<record>", "<title>", "</title>",
            "\uFEFF", "\uFFFD", "0000-00-00T25:61:61+99:99", "Wed, 32 Foo 0000 99:99:99 +9999",
        }.Select(Encoding.UTF8.GetBytes),
        [0x00], [0xFF], [0xFE, 0xFF], [0xFF, 0xFE], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        Encoding.UTF8.GetBytes(new string('[', 300)), Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("<b>", 300))),
    ];

    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void OwnFixturesSurviveMutation(string family)
    {
        var f = Families.Single(x => x.Name == family);
        var folder = Path.Combine(AppContext.BaseDirectory, "TestData", f.OwnFolder);
        var seeds = Directory.EnumerateFiles(folder).Where(p => f.OwnFiles(Path.GetFileName(p))).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();

        Fuzz(f, "own", seeds);
    }

    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void RealFixturesSurviveMutation(string family)
    {
        var f = Families.Single(x => x.Name == family);
        var folder = RealFixtures.Folder(f.RealKind);
        var seeds = Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();

        Fuzz(f, "real", seeds);
    }

    [Fact]
    public void TheMutatorIsDeterministic()
    {
        byte[][] seeds = [Encoding.UTF8.GetBytes("<rss><channel><item><title>a</title></item></channel></rss>"), Encoding.UTF8.GetBytes("[1, 2, 3]")];

        var first = Enumerable.Range(0, 50).Select(i => Mutate(seeds, new Random(Derive(7, i)))).ToList();
        var again = Enumerable.Range(0, 50).Select(i => Mutate(seeds, new Random(Derive(7, i)))).ToList();

        Assert.Equal(first, again);
        Assert.True(first.Count(m => !m.AsSpan().SequenceEqual(seeds[0]) && !m.AsSpan().SequenceEqual(seeds[1])) > 40, "most inputs are changed");
    }

    [Fact]
    public void AnUndocumentedExceptionIsReportedWithItsSeedAndInput()
    {
        var family = new Family("throwing", [Parser.FeedRss with { Name = "throwing", Parse = _ => throw new InvalidOperationException("boom") }], "", _ => true, "");

        var ex = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Fuzz(family, "own", [Encoding.UTF8.GetBytes("<rss/>")], TimeSpan.FromSeconds(1)));

        Assert.Contains("throwing threw InvalidOperationException (not FeedParseException)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"PAPERFEED_FUZZ_SEED={Seed}, iteration 0 of throwing/own", ex.Message, StringComparison.Ordinal);
        var path = ex.Message.Split("input written to ")[1].Split(';')[0];
        Assert.True(File.Exists(path), path);
        File.Delete(path);
    }

    private static int Seed { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("PAPERFEED_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : DefaultSeed;

    private static TimeSpan Budget { get; } = TimeSpan.FromSeconds(
        (double.TryParse(Environment.GetEnvironmentVariable("PAPERFEED_FUZZ_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : DefaultSecondsPerFamily) / 2);

    /// <summary>One random stream per iteration, so that any iteration replays alone.</summary>
    private static int Derive(int seed, int iteration) => unchecked((seed * 1_000_003) ^ (iteration * 2_654_435_761u).GetHashCode());

    private static void Fuzz(Family family, string set, List<byte[]> seeds, TimeSpan? budget = null)
    {
        Assert.NotEmpty(seeds);
        var seed = Seed + StableHash(family.Name + "/" + set);
        var watch = Stopwatch.StartNew();
        int iterations = 0, parsed = 0, refused = 0;

        // The seeds themselves first, then mutants until the budget is spent.
        for (var i = 0; i < seeds.Count || watch.Elapsed < (budget ?? Budget); i++)
        {
            var input = i < seeds.Count ? seeds[i] : Mutate(seeds, new Random(Derive(seed, i)));
            foreach (var parser in family.Parsers)
            {
                var failure = Check(parser, input);
                if (failure is null)
                {
                    parsed++;
                }
                else if (failure.Length == 0)
                {
                    refused++;
                }
                else
                {
                    var path = Save(family.Name, set, seed, i, input);
                    Assert.Fail($"{failure}; PAPERFEED_FUZZ_SEED={Seed}, iteration {i} of {family.Name}/{set}; input written to {path}; {input.Length} bytes");
                }
            }

            iterations++;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{family.Name}/{set}: {iterations} inputs from {seeds.Count} seeds in {watch.Elapsed.TotalSeconds:0.0} s; {parsed} parsed, {refused} refused with the documented error (seed {Seed})");
        Assert.True(iterations >= seeds.Count);
    }

    /// <summary>Null when the input parsed cleanly, empty when it was refused as documented, else what went wrong.</summary>
    private static string? Check(Parser parser, byte[] input)
    {
        var task = Task.Run(() => parser.Parse(input));
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(PerInput))
        {
            return $"{parser.Name} did not finish within {PerInput} (a hang)";
        }

        if (task.Exception?.InnerException is { } error)
        {
            return error.GetType() != parser.ParseError
                ? $"{parser.Name} threw {error.GetType().Name} (not {parser.ParseError.Name}): {error}"
                : !error.Message.StartsWith(parser.Prefix, StringComparison.Ordinal)
                    ? $"{parser.Name} threw {error.GetType().Name} without saying where it comes from: {error.Message}"
                    : "";
        }

        // What the parsers promise of every paper they hand over.
        var bad = task.Result.FirstOrDefault(p => string.IsNullOrWhiteSpace(p.Title) || string.IsNullOrWhiteSpace(p.ExternalId));
        return bad is null ? null : $"{parser.Name} returned a paper without a title or an id: '{bad.ExternalId}' '{bad.Title}'";
    }

    /// <summary>One to three stacked mutations of one seed (sometimes spliced with another).</summary>
    private static byte[] Mutate(IReadOnlyList<byte[]> seeds, Random random)
    {
        var data = new List<byte>(seeds[random.Next(seeds.Count)]);
        var rounds = 1 + random.Next(3);
        for (var round = 0; round < rounds; round++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0: // flip bits of a few bytes
                    for (var n = 1 + random.Next(8); n > 0 && data.Count > 0; n--)
                    {
                        var i = random.Next(data.Count);
                        data[i] = (byte)(data[i] ^ (1 << random.Next(8)));
                    }

                    break;
                case 1: // set a few bytes to anything
                    for (var n = 1 + random.Next(4); n > 0 && data.Count > 0; n--)
                    {
                        data[random.Next(data.Count)] = (byte)random.Next(256);
                    }

                    break;
                case 2: // truncate
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 3: // splice: this one's head, another one's tail
                    var other = seeds[random.Next(seeds.Count)];
                    var from = other.Length == 0 ? 0 : random.Next(other.Length);
                    data.RemoveRange(at, data.Count - at);
                    data.AddRange(other.AsSpan(from).ToArray());
                    break;
                case 4: // duplicate a range
                    var length = Math.Min(data.Count - at, 1 + random.Next(256));
                    data.InsertRange(random.Next(data.Count + 1), data.GetRange(at, length));
                    break;
                case 5: // delete a range
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(256)));
                    break;
                default: // insert a token that means something to one of the formats
                    data.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                    break;
            }
        }

        return [.. data];
    }

    private static string Save(string family, string set, int seed, int iteration, byte[] input)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "fuzz-failures");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{family}-{set}-seed{seed}-iteration{iteration}.bin"));
        File.WriteAllBytes(path, input);
        return path;
    }

    /// <summary>A hash that is the same in every process (string.GetHashCode is randomised per process).</summary>
    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked(hash * 31 + c);
        }

        return hash & 0xFFFF;
    }
}
