using System.Diagnostics;
using System.Globalization;
using System.Text;
using PaperFeed.Contracts;
using PaperFeed.Worker.Subscriptions;
using PaperFeed.Worker.Subscriptions.Matching;

namespace PaperFeed.Bench;

/// <summary>
/// <c>match</c>: <see cref="SubscriptionIndex"/> over many generated subscriptions and papers, against the naive
/// scan (every active subscription's <see cref="CompiledFilter"/> tried on every paper) on a subset of the same
/// papers, in the same run. Both paths prepare each paper with <see cref="MatchablePaper.From"/> inside the timed
/// loop and use filters compiled before it; the index's results on the subset must equal the scan's.
/// </summary>
public static class MatchScenario
{
    private const int Rounds = 3;
    private const int VocabularySize = 50_000;
    private const int PhraseCount = 20_000;

    /// <summary>Generates the subscriptions and papers, measures both paths and prints the results; throws when they disagree.</summary>
    public static void Run(int subscriptionCount, int paperCount, int naivePapers, int seed)
    {
        naivePapers = Math.Min(naivePapers, paperCount);
        var generate = Stopwatch.StartNew();
        var corpus = new Corpus(new Random(seed));
        var subscriptions = Enumerable.Range(0, subscriptionCount).Select(corpus.Subscription).ToList();
        var papers = Enumerable.Range(0, paperCount).Select(_ => corpus.Paper()).ToList();
        var warmPapers = Enumerable.Range(0, 500).Select(_ => corpus.Paper()).ToList();
        generate.Stop();

        var active = subscriptions.Where(s => s.IsActive).ToList();
        var compiled = active.Select(s => (s.Id, Filter: CompiledFilter.Compile(s.Filter))).ToArray();
        var words = papers.Average(p => MatchText.Words(p.Title).Count + MatchText.Words(p.Abstract).Count);
        var nonAscii = papers.Count(p => !Ascii.IsValid(p.Title) || !Ascii.IsValid(p.Abstract ?? ""));
        var anchors = Anchors(compiled.Select(c => c.Filter));
        Console.WriteLine($"match: {subscriptionCount:N0} subscriptions ({active.Count:N0} active: {anchors}), {paperCount:N0} papers "
            + $"({words:N0} words on average, {(double)nonAscii / paperCount:P0} with non-ASCII text), naive scan on {naivePapers:N0} of them; "
            + $"seed {seed}, generated in {generate.Elapsed.TotalSeconds:N1} s; one thread, {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC");

        // Warm up both paths on a smaller index (tiered compilation settles; the pause lets background tier-1
        // compiles finish).
        using (var warm = new SubscriptionIndex())
        {
            warm.ReplaceAll(subscriptions.Take(20_000));
            for (var round = 0; round < 3; round++)
            {
                foreach (var paper in warmPapers)
                {
                    warm.Match(paper);
                }

                foreach (var paper in warmPapers.Take(20))
                {
                    Naive(compiled, paper);
                }

                if (round == 1)
                {
                    Thread.Sleep(500);
                }
            }
        }

        // The build, and the managed memory the index holds beyond the subscriptions themselves.
        Settle();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var build = Stopwatch.StartNew();
        using var index = new SubscriptionIndex();
        index.ReplaceAll(subscriptions);
        build.Stop();
        Settle();
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;
        if (index.Count != active.Count)
        {
            throw new InvalidOperationException($"the index holds {index.Count} subscriptions, {active.Count} are active");
        }

        // Changes as the API makes them: 1,000 subscriptions get another filter, then their own back.
        var changed = active.Take(1_000).ToList();
        var upsert = Stopwatch.StartNew();
        foreach (var subscription in changed)
        {
            index.Upsert(subscription with { Filter = subscriptions[^1].Filter });
        }

        foreach (var subscription in changed)
        {
            index.Upsert(subscription);
        }

        upsert.Stop();

        // Rounds of both paths back to back, so that both see the same conditions; medians are reported.
        var rounds = new List<Round>();
        IReadOnlyList<Subscription>[]? results = null;
        string[][]? naive = null;
        for (var r = 0; r < Rounds; r++)
        {
            Settle();
            var found = new IReadOnlyList<Subscription>[paperCount];
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var collections = GC.CollectionCount(0);
            var cpu = Cpu();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < papers.Count; i++)
            {
                found[i] = index.Match(papers[i]);
            }

            clock.Stop();
            var indexCpu = CpuShare(cpu, Cpu(), clock.Elapsed);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            collections = GC.CollectionCount(0) - collections;
            results ??= found;

            Settle();
            var scanned = new string[naivePapers][];
            cpu = Cpu();
            var naiveClock = Stopwatch.StartNew();
            for (var i = 0; i < naivePapers; i++)
            {
                scanned[i] = Naive(compiled, papers[i]);
            }

            naiveClock.Stop();
            naive ??= scanned;
            rounds.Add(new Round(
                paperCount / clock.Elapsed.TotalSeconds, naivePapers / naiveClock.Elapsed.TotalSeconds, indexCpu,
                CpuShare(cpu, Cpu(), naiveClock.Elapsed), (double)allocated / paperCount, collections));
        }

        // Preparing papers alone, to show what part of the index's time it is.
        var prepare = Stopwatch.StartNew();
        foreach (var paper in papers)
        {
            MatchablePaper.From(paper);
        }

        prepare.Stop();

        var disagreements = new List<string>();
        for (var i = 0; i < naivePapers; i++)
        {
            var fromIndex = results![i].Select(s => s.Id).ToArray();
            if (!fromIndex.SequenceEqual(naive![i], StringComparer.Ordinal))
            {
                disagreements.Add($"paper {i}: index [{string.Join(", ", fromIndex.Take(5))}{(fromIndex.Length > 5 ? ", …" : "")}] ({fromIndex.Length}), "
                    + $"naive [{string.Join(", ", naive[i].Take(5))}{(naive[i].Length > 5 ? ", …" : "")}] ({naive[i].Length})");
            }
        }

        var total = results!.Sum(r => r.Count);
        var matched = results!.Count(r => r.Count > 0);
        var subsetMatches = naive!.Sum(n => n.Length);
        var indexRate = Median(rounds.Select(r => r.Index));
        var naiveRate = Median(rounds.Select(r => r.Naive));
        var middle = rounds.OrderBy(r => r.Index).ElementAt(Rounds / 2);
        Console.WriteLine($"  build (ReplaceAll of {subscriptionCount:N0}): {build.Elapsed.TotalMilliseconds:N0} ms, holding {held / 1e6:N0} MB; "
            + $"Upsert: {upsert.Elapsed.TotalMilliseconds * 1000 / (2 * changed.Count):N0} µs each (2 × {changed.Count:N0} filter changes)");
        Console.WriteLine($"  {"round",-7} {"SubscriptionIndex.Match",24} {"naive scan",14} {"index ÷ naive",14}");
        for (var r = 0; r < Rounds; r++)
        {
            Console.WriteLine($"  {r + 1,-7} {rounds[r].Index,15:N0} papers/s {rounds[r].Naive,5:N0} papers/s {rounds[r].Index / rounds[r].Naive,13:N0}×");
        }

        Console.WriteLine($"  {"median",-7} {indexRate,15:N0} papers/s {naiveRate,5:N0} papers/s {indexRate / naiveRate,13:N0}×");
        Console.WriteLine($"  index, median round: {1e6 / middle.Index:N1} µs per paper, of which MatchablePaper.From {prepare.Elapsed.TotalMilliseconds * 1000 / paperCount:N1} µs; "
            + $"{middle.AllocatedPerPaper:N0} B allocated per paper; {middle.Collections} gen0 collections; {middle.IndexCpu}");
        Console.WriteLine($"  naive, same round: {middle.NaiveCpu}");
        Console.WriteLine($"  matches: {total:N0} over {paperCount:N0} papers ({(double)total / paperCount:N1} per paper, {(double)matched / paperCount:P0} of papers matched by at least one); "
            + $"subset of {naivePapers:N0}: {subsetMatches:N0} matches, index and naive scan {(disagreements.Count == 0 ? "agree on every paper" : $"DISAGREE on {disagreements.Count} papers")}");
        if (disagreements.Count > 0)
        {
            disagreements.Take(10).ToList().ForEach(d => Console.WriteLine("    " + d));
            throw new InvalidOperationException($"the index and the naive scan disagree on {disagreements.Count} of {naivePapers} papers");
        }

        var fast = indexRate >= 10_000;
        var ratio = indexRate / naiveRate >= 50;
        Console.WriteLine($"aim (≥ 10,000 papers/s, ≥ 50× the naive scan): {(fast ? "yes" : "no")}, {(ratio ? "yes" : "no")} → {(fast && ratio ? "met" : "not met")}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>One round: both rates, how the measuring thread fared in each, and the index's allocation.</summary>
    private sealed record Round(double Index, double Naive, string IndexCpu, string NaiveCpu, double AllocatedPerPaper, int Collections);

    private static string[] Naive((string Id, CompiledFilter Filter)[] compiled, PaperSummary paper)
    {
        var matchable = MatchablePaper.From(paper);
        var ids = new List<string>();
        foreach (var (id, filter) in compiled)
        {
            if (filter.Matches(matchable))
            {
                ids.Add(id);
            }
        }

        ids.Sort(StringComparer.Ordinal);
        return [.. ids];
    }

    /// <summary>How the subscriptions divide over the anchor facets the index files them under.</summary>
    private static string Anchors(IEnumerable<CompiledFilter> filters)
    {
        int keywords = 0, categories = 0, authors = 0, none = 0;
        foreach (var f in filters)
        {
            if (f.Keywords.Count > 0)
            {
                keywords++;
            }
            else if (f.Categories.Count > 0)
            {
                categories++;
            }
            else if (f.Authors.Count > 0)
            {
                authors++;
            }
            else
            {
                none++;
            }
        }

        return $"{keywords:N0} with keywords, {categories:N0} with categories but no keywords, {authors:N0} with authors only, {none:N0} with only sources, upvotes or code";
    }

    /// <summary>
    /// The measuring thread's time on a CPU and time spent runnable but waiting for one (Linux
    /// <c>/proc/thread-self/schedstat</c>; zero elsewhere). On a shared machine the second says how much of the
    /// wall time was lost to other processes.
    /// </summary>
    private static (TimeSpan OnCpu, TimeSpan Waiting) Cpu()
    {
        try
        {
            var fields = File.ReadAllText("/proc/thread-self/schedstat").Split(' ');
            return (TimeSpan.FromTicks(long.Parse(fields[0], CultureInfo.InvariantCulture) / 100), TimeSpan.FromTicks(long.Parse(fields[1], CultureInfo.InvariantCulture) / 100));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    private static string CpuShare((TimeSpan OnCpu, TimeSpan Waiting) before, (TimeSpan OnCpu, TimeSpan Waiting) after, TimeSpan wall) =>
        after.OnCpu == TimeSpan.Zero
            ? "thread CPU time unknown"
            : $"the thread was on a CPU {(after.OnCpu - before.OnCpu) / wall:P0} and waiting for one {(after.Waiting - before.Waiting) / wall:P0} of the wall time";

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>
    /// The generated world: a vocabulary of <see cref="VocabularySize"/> words whose use follows Zipf's law (the
    /// most common are English function words, common words are short, and 1 in 300 of the words from rank 2,000
    /// on carries an accent), a list of <see cref="PhraseCount"/> multi-word terms that abstracts use (also Zipf),
    /// arXiv-like categories of skewed popularity, and 30,000 family and 400 given names.
    /// </summary>
    private sealed class Corpus
    {
        private static readonly string[] FunctionWords =
        [
            "the", "of", "and", "a", "to", "in", "is", "we", "for", "that", "this", "with", "on", "by", "as", "are",
            "be", "from", "an", "which", "our", "at", "it", "can", "these", "show", "results", "using", "based",
            "not", "or", "model", "its", "also", "method", "data", "propose", "than", "such", "both", "paper",
            "new", "two", "between", "has", "have", "their", "approach", "performance", "problem",
        ];

        private static readonly string[] CategoryNames =
        [
            "cs.LG", "cs.CV", "cs.CL", "cs.AI", "stat.ML", "cs.RO", "cs.CR", "cs.IR", "cs.SE", "cs.DC", "cs.NE",
            "cs.HC", "cs.SD", "cs.MA", "cs.DS", "cs.IT", "cs.NI", "cs.SI", "cs.CY", "cs.GT", "cs.LO", "cs.PL",
            "eess.IV", "eess.SP", "eess.SY", "eess.AS", "math.OC", "math.PR", "math.ST", "math.NA", "math.CO",
            "math.AP", "math.AG", "math.NT", "math.DG", "math-ph", "quant-ph", "hep-th", "hep-ph", "hep-ex",
            "gr-qc", "astro-ph.CO", "astro-ph.GA", "astro-ph.HE", "astro-ph.SR", "cond-mat.mtrl-sci",
            "cond-mat.str-el", "cond-mat.stat-mech", "cond-mat.soft", "physics.optics", "physics.flu-dyn",
            "physics.comp-ph", "physics.chem-ph", "q-bio.NC", "q-bio.QM", "q-fin.ST", "econ.EM", "nucl-th",
        ];

        private static readonly string[] Archives = ["cs", "math", "stat", "eess", "astro-ph", "cond-mat", "physics", "q-bio"];

        private static readonly string[] SourceNames = ["arxiv-cs", "arxiv-math", "arxiv-physics", "hf-daily", "arxiv-oai"];

        private static readonly string[] Consonants = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "st", "tr", "pl", "gr", "ch", "th"];
        private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ea", "io"];
        private static readonly string[] Accented = ["é", "ö", "ü", "á", "è", "ï"];

        private readonly Random _random;
        private readonly string[] _words;
        private readonly Zipf _wordRank;
        private readonly string[] _phrases;
        private readonly Zipf _phraseRank;
        private readonly Zipf _subscribedPhraseRank;
        private readonly Zipf _categoryRank;
        private readonly Zipf _subscribedCategoryRank;
        private readonly string[] _given;
        private readonly string[] _family;
        private readonly Zipf _familyRank;

        public Corpus(Random random)
        {
            _random = random;
            var seen = new HashSet<string>(FunctionWords, StringComparer.Ordinal);
            var synthetic = new List<string>(VocabularySize);
            while (synthetic.Count < VocabularySize - FunctionWords.Length)
            {
                var word = Syllables(random.Next(1, 5), accent: false);
                if (seen.Add(word))
                {
                    synthetic.Add(word);
                }
            }

            // Common words are short: rank the generated words by length (stable in generation order). Accented
            // words (names such as Schrödinger or Poincaré) are rare: 1 in 300 from rank 2,000 on.
            _words = [.. FunctionWords, .. synthetic.OrderBy(w => w.Length)];
            for (var r = 2_000; r < _words.Length; r++)
            {
                if (random.Next(300) == 0)
                {
                    _words[r] = Accent(_words[r]);
                }
            }

            _wordRank = new Zipf(_words.Length, 1.0);

            // Terms of two or three topical words (ranks 300 to 40,000). Abstracts use them with Zipf popularity;
            // subscribers follow the popular ones too, less steeply (exponent 0.5). Likewise for categories.
            _phrases = new string[PhraseCount];
            for (var i = 0; i < PhraseCount; i++)
            {
                _phrases[i] = string.Join(' ', Enumerable.Range(0, random.Next(2, 4)).Select(_ => _words[LogUniform(300, 40_000)]));
            }

            _phraseRank = new Zipf(PhraseCount, 1.0);
            _subscribedPhraseRank = new Zipf(PhraseCount, 0.5);
            _categoryRank = new Zipf(CategoryNames.Length, 1.1);
            _subscribedCategoryRank = new Zipf(CategoryNames.Length, 0.7);
            _given = [.. Enumerable.Range(0, 400).Select(_ => Capital(Syllables(random.Next(2, 4), accent: random.Next(30) == 0)))];
            _family = [.. Enumerable.Range(0, 30_000).Select(_ => Capital(Syllables(random.Next(2, 5), accent: random.Next(30) == 0)))];
            _familyRank = new Zipf(_family.Length, 0.8);
        }

        private int LogUniform(int from, int to) => (int)Math.Exp(Math.Log(from) + (_random.NextDouble() * (Math.Log(to) - Math.Log(from))));

        private string Accent(string word)
        {
            var chars = word.ToCharArray();
            chars[_random.Next(chars.Length)] = Accented[_random.Next(Accented.Length)][0];
            return new string(chars);
        }

        private string Syllables(int n, bool accent)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < n; i++)
            {
                sb.Append(Consonants[_random.Next(Consonants.Length)]).Append(Vowels[_random.Next(Vowels.Length)]);
            }

            return accent ? Accent(sb.ToString()) : sb.ToString();
        }

        private static string Capital(string word) => char.ToUpperInvariant(word[0]) + word[1..];

        private string Word() => _words[_wordRank.Next(_random)];

        /// <summary>
        /// A word a subscriber picks: topical, neither a function word nor one of the rarest; log-uniform over ranks
        /// 1,000 to 40,000, so each is in 0.04–1.6 % of abstracts.
        /// </summary>
        private string Keyword() => _words[LogUniform(1_000, 40_000)];

        private string SubscribedPhrase() => _phrases[_subscribedPhraseRank.Next(_random)];

        private string Category() => CategoryNames[_categoryRank.Next(_random)];

        private (string Given, string Family) Author() => (_given[_random.Next(_given.Length)], _family[_familyRank.Next(_random)]);

        /// <summary>A paper: a 6–14 word title, a 150–200 word abstract in sentences with 0–3 terms of the phrase list, 1–3 categories, 1–8 authors.</summary>
        public PaperSummary Paper()
        {
            var title = string.Join(' ', Enumerable.Range(0, _random.Next(6, 15)).Select(_ => Capital(Word())));
            var text = new StringBuilder(1600);
            var target = _random.Next(150, 201);
            var phrases = _random.Next(0, 4);
            var count = 0;
            var sentence = 0;
            while (count < target)
            {
                string piece;
                if (phrases > 0 && _random.Next(target / 4) == 0)
                {
                    piece = _phrases[_phraseRank.Next(_random)];
                    phrases--;
                }
                else
                {
                    piece = Word();
                }

                if (sentence == 0)
                {
                    piece = Capital(piece);
                }
                else if (_random.Next(25) == 0)
                {
                    text.Append(_random.Next(2) == 0 ? "," : "-");
                }

                if (text.Length > 0 && text[^1] != '-')
                {
                    text.Append(' ');
                }

                text.Append(piece);
                count += piece.Count(c => c == ' ') + 1;
                sentence++;
                if (sentence > 12 && _random.Next(10) == 0)
                {
                    text.Append('.');
                    sentence = 0;
                }
            }

            text.Append('.');
            var authors = Enumerable.Range(0, _random.Next(1, 9)).Select(_ =>
            {
                var (given, family) = Author();
                return _random.Next(10) == 0 ? $"{family}, {given}" : $"{given} {family}";
            }).ToList();
            var categories = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Category()).Distinct().ToList();
            var sources = _random.Next(4) == 0 ? new[] { "arxiv-cs", "hf-daily" } : [SourceNames[_random.Next(SourceNames.Length)]];
            int? upvotes = _random.Next(10) < 3 ? (int)Math.Min(500, Math.Floor(-Math.Log(1 - _random.NextDouble()) * 15)) : null;
            return new PaperSummary(
                title, text.ToString(), authors, categories, sources, 1, null,
                new PaperLinks { Code = _random.Next(10) < 3 ? "https://github.com/org/repo" : null },
                new PaperMetrics { Upvotes = upvotes }, null, 1);
        }

        /// <summary>
        /// A subscription: 92 % with 1–3 keywords (a third of them terms from the phrase list, some quoted), a third
        /// of those also with 1–2 categories, some with an exclusion or an upvote limit; 2 % by category only (half
        /// of them with an upvote limit), 3 % by author only, 3 % without an anchor ("trending": an upvote limit,
        /// alone or with a source or code); 3 % paused.
        /// </summary>
        public Subscription Subscription(int i)
        {
            var kind = _random.Next(100);
            var filter = kind switch
            {
                < 92 => new SubscriptionFilter
                {
                    Keywords = [.. Enumerable.Range(0, _random.Next(1, 4)).Select(_ => _random.Next(3) == 0
                        ? (_random.Next(2) == 0 ? $"\"{SubscribedPhrase()}\"" : SubscribedPhrase())
                        : Keyword())],
                    Exclude = _random.Next(10) == 0 ? [Keyword()] : [],
                    Categories = _random.Next(3) == 0 ? FilterCategories() : [],
                    MinUpvotes = _random.Next(10) == 0 ? _random.Next(5, 50) : null,
                },
                < 94 => new SubscriptionFilter { Categories = FilterCategories(), MinUpvotes = _random.Next(2) == 0 ? _random.Next(5, 50) : null },
                < 97 => new SubscriptionFilter
                {
                    Authors = [.. Enumerable.Range(0, _random.Next(1, 4)).Select(_ =>
                    {
                        var (given, family) = Author();
                        return _random.Next(2) == 0 ? family : $"{given} {family}";
                    })],
                },
                _ => _random.Next(3) switch
                {
                    0 => new SubscriptionFilter { Sources = ["hf-daily"], MinUpvotes = _random.Next(5, 100) },
                    1 => new SubscriptionFilter { HasCode = true, MinUpvotes = _random.Next(10, 100) },
                    _ => new SubscriptionFilter { MinUpvotes = _random.Next(20, 100) },
                },
            };
            return new Subscription
            {
                Id = string.Create(CultureInfo.InvariantCulture, $"sub_{i:D8}"),
                Channel = new SubscriptionChannel { Kind = ChannelKind.Webhook, Url = "https://example.org/hook" },
                Filter = filter,
                Status = _random.Next(100) < 3 ? SubscriptionStatus.Paused : SubscriptionStatus.Active,
            };
        }

        private string[] FilterCategories() =>
            [.. Enumerable.Range(0, _random.Next(1, 3)).Select(_ => _random.Next(20) == 0 ? Archives[_random.Next(Archives.Length)] + ".*" : CategoryNames[_subscribedCategoryRank.Next(_random)]).Distinct()];
    }

    /// <summary>Ranks 0..n-1 drawn with probability proportional to 1 / (rank + 1 + offset)^s.</summary>
    private sealed class Zipf
    {
        private readonly double[] _cumulative;

        public Zipf(int n, double s, int offset = 0)
        {
            _cumulative = new double[n];
            var sum = 0.0;
            for (var r = 0; r < n; r++)
            {
                sum += 1 / Math.Pow(r + 1 + offset, s);
                _cumulative[r] = sum;
            }
        }

        public int Next(Random random)
        {
            var x = random.NextDouble() * _cumulative[^1];
            var i = Array.BinarySearch(_cumulative, x);
            return Math.Min(i < 0 ? ~i : i, _cumulative.Length - 1);
        }
    }
}
