using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using PaperFeed.Worker.Sources.Arxiv;
using PaperFeed.Worker.Sources.ArxivOai;

namespace PaperFeed.Bench;

/// <summary>One path over one page: its rate and what it held.</summary>
/// <param name="RecordsPerSecond">Median of the timed passes.</param>
/// <param name="PeakLiveBytes">Highest reachable managed memory seen during the parse (full collection at each sample), above what was live before it.</param>
/// <param name="PeakHeapBytes">Highest <c>GC.GetTotalMemory(false)</c> seen during the median timed pass (garbage included), above what was live before it.</param>
/// <param name="AllocatedPerRecord">Bytes allocated by the parsing thread per record, in the median timed pass.</param>
public sealed record ParseResult(double RecordsPerSecond, long PeakLiveBytes, long PeakHeapBytes, double AllocatedPerRecord);

/// <summary>
/// <c>parse</c>: the two arXiv parsers over a large generated page each, against loading the same page whole with
/// <see cref="XDocument"/> and counting its records. The page's own bytes are allocated before the "before"
/// measurement, so they are not counted for any path.
/// </summary>
public static class ParseScenario
{
    private const int TimedPasses = 3;

    private static readonly XNamespace Oai = "http://www.openarchives.org/OAI/2.0/";
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    // The baseline reads as securely as the parsers do, and drops whitespace as they do.
    private static readonly XmlReaderSettings DomSettings = new()
    {
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        IgnoreWhitespace = true,
        IgnoreComments = true,
    };

    /// <summary>Measures both parsers and their DOM baselines on a page of <paramref name="records"/> and one 5× larger; prints the table.</summary>
    public static void Run(int records)
    {
        var sizes = new[] { records, records * 5 };
        Console.WriteLine($"parse: pages of {sizes[0]:N0} and {sizes[1]:N0} records, {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC; "
            + $"rate = median of {TimedPasses} timed passes; memory above what was live before the parse, the page's own bytes not counted");

        // Warm up every path on small pages until tiered compilation has settled: 40 rounds, a pause for the
        // background tier-1 compiles, 10 more.
        var warmOai = OaiPage(500);
        var warmAtom = AtomPage(500);
        for (var i = 0; i < 50; i++)
        {
            OaiStreaming(warmOai, out _);
            DomOai(warmOai, out _);
            ArxivApi(warmAtom, out _);
            DomAtom(warmAtom, out _);
            if (i == 39)
            {
                Thread.Sleep(500);
            }
        }

        Console.WriteLine($"{"page",-32} {"path",-24} {"records/s",10} {"× DOM",6} {"peak live",10} {"× DOM",6} {"peak heap",10} {"alloc/rec",10}");
        var verdicts = new List<string>();
        foreach (var (format, parser, make, work, dom) in new (string, string, Func<int, byte[]>, Work, Work)[]
        {
            ("OAI ListRecords", "OaiParser (Stream)", OaiPage, OaiStreaming, DomOai),
            ("API Atom", "ArxivApiParser (Stream)", AtomPage, ArxivApi, DomAtom),
        })
        {
            var results = new List<ParseResult>();
            foreach (var n in sizes)
            {
                var page = make(n);
                var baseline = Measure(dom, page, n);
                var measured = Measure(work, page, n);
                results.Add(measured);
                var label = $"{format} {n:N0} ({page.Length / 1e6:N0} MB)";
                Console.WriteLine($"{label,-32} {parser,-24} {measured.RecordsPerSecond,10:N0} {measured.RecordsPerSecond / baseline.RecordsPerSecond,5:N2}× {Mb(measured.PeakLiveBytes),10} {(double)measured.PeakLiveBytes / baseline.PeakLiveBytes,5:N3}× {Mb(measured.PeakHeapBytes),10} {measured.AllocatedPerRecord,8:N0} B");
                Console.WriteLine($"{"",-32} {"XDocument.Load + count",-24} {baseline.RecordsPerSecond,10:N0} {"",6} {Mb(baseline.PeakLiveBytes),10} {"",6} {Mb(baseline.PeakHeapBytes),10} {baseline.AllocatedPerRecord,8:N0} B");
            }

            var fast = results.All(r => r.RecordsPerSecond >= 20_000);
            // Flat: the 5× page may hold at most 1.5× as much, plus 1 MB of slack for sampling noise at the sub-MB scale.
            var flat = results[1].PeakLiveBytes <= (results[0].PeakLiveBytes * 1.5) + 1_000_000;
            verdicts.Add($"  {parser}: ≥ 20,000 records/s at both sizes: {(fast ? "yes" : "no")}; peak live {Mb(results[0].PeakLiveBytes)} → {Mb(results[1].PeakLiveBytes)} for a 5× page: {(flat ? "flat (≤ 1.5× + 1 MB)" : "not flat")} → aim {(fast && flat ? "met" : "not met")}");
        }

        Console.WriteLine("aim (≥ 20,000 records/s, memory flat in page size):");
        verdicts.ForEach(Console.WriteLine);
    }

    private static string Mb(long bytes) => $"{bytes / 1e6:N1} MB";

    /// <summary>OaiParser.Parse(Stream, Action): each paper counted and dropped, as the poller hands them on.</summary>
    public static int OaiStreaming(byte[] page, out object? kept)
    {
        using var stream = new MemoryStream(page, writable: false);
        var count = 0;
        var info = OaiParser.Parse(stream, _ => count++);
        kept = info;
        return info.Papers == count ? count : throw new InvalidOperationException($"OaiParser counted {info.Papers} papers but handed over {count}");
    }

    /// <summary>ArxivApiParser.Parse(Stream, contentType, Action): each paper counted and dropped, as OaiStreaming does.</summary>
    public static int ArxivApi(byte[] page, out object? kept)
    {
        using var stream = new MemoryStream(page, writable: false);
        var count = 0;
        var info = ArxivApiParser.Parse(stream, "application/atom+xml; charset=utf-8", _ => count++);
        kept = info;
        return info.Papers == count ? count : throw new InvalidOperationException($"ArxivApiParser counted {info.Papers} papers but handed over {count}");
    }

    public static int DomOai(byte[] page, out object? kept) => Dom(page, Oai + "record", out kept);

    public static int DomAtom(byte[] page, out object? kept) => Dom(page, Atom + "entry", out kept);

    private static int Dom(byte[] page, XName record, out object? kept)
    {
        using var stream = new MemoryStream(page, writable: false);
        using var reader = XmlReader.Create(stream, DomSettings);
        var document = XDocument.Load(reader);
        kept = document;
        return document.Descendants(record).Count();
    }

    public delegate int Work(byte[] page, out object? kept);

    /// <summary>Timed passes (median rate, heap sampled cheaply), then one untimed pass for the peak of live memory.</summary>
    public static ParseResult Measure(Work work, byte[] page, int expected)
    {
        var passes = new List<(double Rate, long PeakHeap, double AllocPerRecord)>();
        for (var i = 0; i < TimedPasses; i++)
        {
            var before = Settle();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            long peakHeap;
            int n;
            object? kept;
            TimeSpan elapsed;
            using (var sampler = new Sampler(forceFullCollection: false, TimeSpan.FromMilliseconds(1)))
            {
                var clock = Stopwatch.StartNew();
                n = work(page, out kept);
                elapsed = clock.Elapsed;
                peakHeap = Math.Max(sampler.Stop(), GC.GetTotalMemory(false));
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            GC.KeepAlive(kept);
            Check(n, expected);
            passes.Add((n / elapsed.TotalSeconds, peakHeap - before, (double)allocated / n));
        }

        var median = passes.OrderBy(p => p.Rate).ElementAt(passes.Count / 2);
        return new ParseResult(median.Rate, PeakLive(work, page, expected), median.PeakHeap, median.AllocPerRecord);
    }

    /// <summary>
    /// Live memory: a sampler thread forces a full blocking collection every 20 ms during the parse and keeps the
    /// highest reachable size; a last sample is taken after the parse with its result still held (the DOM, the
    /// list of papers, the OAI page info), which is where a holder of the whole page peaks.
    /// </summary>
    private static long PeakLive(Work work, byte[] page, int expected)
    {
        var before = Settle();
        long peak;
        int n;
        object? kept;
        using (var sampler = new Sampler(forceFullCollection: true, TimeSpan.FromMilliseconds(20)))
        {
            n = work(page, out kept);
            var during = sampler.Stop();
            GC.Collect();
            peak = Math.Max(during, GC.GetTotalMemory(false));
        }

        GC.KeepAlive(kept);
        Check(n, expected);
        return peak - before;
    }

    private static void Check(int n, int expected)
    {
        if (n != expected)
        {
            throw new InvalidOperationException($"read {n} records of {expected}");
        }
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>A thread that samples the managed heap until stopped and keeps the highest value.</summary>
    private sealed class Sampler : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _peak;

        public Sampler(bool forceFullCollection, TimeSpan interval)
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    // One full blocking collection per sample (GetTotalMemory(true) would repeat it until the
                    // size settles, which it never does while a parse allocates).
                    if (forceFullCollection)
                    {
                        GC.Collect();
                    }

                    var size = GC.GetTotalMemory(false);
                    if (size > Interlocked.Read(ref _peak))
                    {
                        Interlocked.Exchange(ref _peak, size);
                    }

                    Thread.Sleep(interval);
                }
            })
            { IsBackground = true, Name = "heap sampler" };
            _thread.Start();
        }

        public long Stop()
        {
            _stop = true;
            _thread.Join();
            return Interlocked.Read(ref _peak);
        }

        public void Dispose()
        {
            if (!_stop)
            {
                Stop();
            }
        }
    }

    // ---- Page generation: the record shapes of the real fixtures (arXiv OAI ListRecords, metadataPrefix=arXiv, and
    // an export.arxiv.org/api/query Atom page), with generated ids, titles, authors and ~1.2 KB abstracts.

    private static readonly string[] Words =
    [
        "quantum", "gauge", "field", "theory", "entanglement", "symmetry", "boundary", "holographic", "duality",
        "scattering", "amplitude", "string", "brane", "curvature", "black", "hole", "entropy", "spectrum", "operator",
        "lattice", "renormalization", "group", "flow", "anomaly", "conformal", "correlation", "functions", "we",
        "show", "that", "the", "a", "of", "in", "and", "for", "with", "model", "learning", "neural", "network",
        "attention", "transformer", "training", "dataset", "benchmark", "robustness", "generalization", "testing",
        "software", "regression", "prioritisation", "mutation", "coverage", "empirical", "study", "results",
        "approach", "method", "novel", "framework", "efficient", "derive", "bound", "limit", "regime", "dynamics",
        "perturbation", "nonlinear", "stochastic", "equilibrium", "phase", "transition", "critical", "exponent",
    ];

    private static readonly string[] Surnames =
    [
        "Hoehn", "Castro", "Silva", "Correa", "Dantas", "Moraes", "Dutra", "Almeida", "Ahuja", "Gotlieb",
        "Spieker", "Ramírez", "Berrios", "Arnatovich", "Wang", "Müller", "Nakamura", "Okafor", "Kowalski", "Ivanova",
    ];

    private static readonly string[] Forenames =
    [
        "Philipp A", "Luis B.", "Edilberto O.", "R. A. C.", "D. M.", "P. H. R. S.", "A. de Souza", "C. A. S.",
        "Mohit Kumar", "Arnaud", "Helge", "Aurora", "Mario", "Yauhen Leanidavich", "Lipo", "Jürgen", "Haruki",
    ];

    private static readonly string[] Categories =
    [
        "hep-th", "gr-qc", "quant-ph", "math-ph", "math.MP", "hep-ph", "cond-mat.str-el", "cs.SE", "cs.LG", "cs.AI", "cs.CL", "stat.ML",
    ];

    /// <summary>An OAI-PMH ListRecords page of <paramref name="records"/> arXiv-format records.</summary>
    public static byte[] OaiPage(int records)
    {
        return Write(w =>
        {
            w.Write("""
                <?xml version="1.0" encoding="UTF-8"?>
                <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
                <responseDate>2017-12-14T12:56:31Z</responseDate>
                <request verb="ListRecords" from="2017-12-14" metadataPrefix="arXiv" set="physics:hep-th">http://export.arxiv.org/oai2</request>
                <ListRecords>

                """);
            for (var i = 0; i < records; i++)
            {
                var r = new Random(i);
                var id = Id(i, r);
                w.Write($"<record>\n<header>\n <identifier>oai:arXiv.org:{id}</identifier>\n <datestamp>2017-12-14</datestamp>\n <setSpec>physics:hep-th</setSpec>\n</header>\n<metadata>\n");
                w.Write(" <arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd\">\n");
                w.Write($" <id>{id}</id><created>{Date(r):yyyy-MM-dd}</created><updated>2017-12-13</updated><authors>");
                for (var a = r.Next(1, 6); a > 0; a--)
                {
                    w.Write($"<author><keyname>{Pick(r, Surnames)}</keyname><forenames>{Pick(r, Forenames)}</forenames></author>");
                }

                w.Write($"</authors><title>{Title(i, r, wrap: true)}</title><categories>{Cats(r)}</categories>");
                if (r.Next(2) == 0)
                {
                    w.Write($"<comments>{r.Next(4, 80)} pages, {r.Next(1, 12)} figures</comments>");
                }

                if (r.Next(3) == 0)
                {
                    w.Write($"<journal-ref>J. Phys. A: Math. Theor. {r.Next(30, 58)} ({r.Next(2000, 2025)}) {r.Next(1000, 99999):D6}</journal-ref><doi>10.{r.Next(1000, 9999)}/{id}</doi>");
                }

                w.Write($"<license>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</license><abstract>  {Abstract(r, wrap: true)}\n</abstract></arXiv>\n</metadata>\n</record>\n");
            }

            w.Write($"<resumptionToken cursor=\"0\" completeListSize=\"{records * 3}\">{records}|1001</resumptionToken>\n</ListRecords>\n</OAI-PMH>\n");
        });
    }

    /// <summary>An arXiv query API Atom page of <paramref name="records"/> entries (the 2026 format).</summary>
    public static byte[] AtomPage(int records)
    {
        return Write(w =>
        {
            w.Write($"""
                <?xml version='1.0' encoding='UTF-8'?>
                <feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
                  <id>https://arxiv.org/api/+yL+2aOC2tMwSSbNUvwVflQZ4gc</id>
                  <title>arXiv Query: search_query=all:testing&amp;id_list=&amp;start=0&amp;max_results={records}</title>
                  <updated>2026-04-12T22:09:27Z</updated>
                  <link href="https://arxiv.org/api/query?search_query=all:testing&amp;start=0&amp;max_results={records}&amp;id_list=" type="application/atom+xml"/>
                  <opensearch:itemsPerPage>{records}</opensearch:itemsPerPage>
                  <opensearch:totalResults>214881</opensearch:totalResults>
                  <opensearch:startIndex>0</opensearch:startIndex>

                """);
            for (var i = 0; i < records; i++)
            {
                var r = new Random(i);
                var id = $"{Id(i, r)}v{r.Next(1, 4)}";
                var published = Date(r);
                w.Write($"  <entry>\n    <id>http://arxiv.org/abs/{id}</id>\n    <title>{Title(i, r, wrap: false)}</title>\n");
                w.Write($"    <updated>{published.AddDays(r.Next(0, 90)):yyyy-MM-dd}T15:05:19Z</updated>\n");
                w.Write($"    <link href=\"https://arxiv.org/abs/{id}\" rel=\"alternate\" type=\"text/html\"/>\n");
                w.Write($"    <link href=\"https://arxiv.org/pdf/{id}\" rel=\"related\" type=\"application/pdf\" title=\"pdf\"/>\n");
                w.Write($"    <summary>{Abstract(r, wrap: false)}</summary>\n");
                var cats = Cats(r).Split(' ');
                foreach (var c in cats)
                {
                    w.Write($"    <category term=\"{c}\" scheme=\"http://arxiv.org/schemas/atom\"/>\n");
                }

                w.Write($"    <published>{published:yyyy-MM-dd}T15:05:19Z</published>\n");
                if (r.Next(2) == 0)
                {
                    w.Write($"    <arxiv:comment>{r.Next(4, 80)} pages, {r.Next(1, 12)} figures</arxiv:comment>\n");
                }

                w.Write($"    <arxiv:primary_category term=\"{cats[0]}\"/>\n");
                var journal = r.Next(3) == 0;
                if (journal)
                {
                    w.Write($"    <arxiv:journal_ref>Proc. {r.Next(2000, 2025)} IEEE International Conference on Software Testing, Verification and Validation Workshops (ICSTW), pp. {r.Next(1, 99)}-{r.Next(100, 199)}</arxiv:journal_ref>\n");
                }

                for (var a = r.Next(1, 6); a > 0; a--)
                {
                    w.Write($"    <author>\n      <name>{Pick(r, Forenames)} {Pick(r, Surnames)}</name>\n    </author>\n");
                }

                if (journal)
                {
                    var doi = $"10.1109/ICSTW{r.Next(10000, 99999)}.{r.Next(2000, 2025)}.{r.Next(0, 99999):D5}";
                    w.Write($"    <arxiv:doi>{doi}</arxiv:doi>\n    <link rel=\"related\" href=\"https://doi.org/{doi}\" title=\"doi\"/>\n");
                }

                w.Write("  </entry>\n");
            }

            w.Write("</feed>\n");
        });
    }

    private static byte[] Write(Action<StreamWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true))
        {
            writer.NewLine = "\n";
            body(writer);
        }

        return buffer.ToArray();
    }

    // Five-digit numbers as arXiv has since 2015; ids stay distinct within a page of up to 1.2 million records.
    private static string Id(int i, Random r) =>
        string.Create(CultureInfo.InvariantCulture, $"{15 + (i / 100_000) % 10:D2}{1 + (i / 100_000 / 10 + r.Next(12)) % 12:D2}.{i % 100_000:D5}");

    private static DateTime Date(Random r) => new DateTime(2015, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(r.Next(0, 3650));

    private static string Pick(Random r, string[] from) => from[r.Next(from.Length)];

    private static string Cats(Random r) =>
        string.Join(' ', Enumerable.Range(0, r.Next(1, 5)).Select(_ => Pick(r, Categories)).Distinct());

    private static string Title(int i, Random r, bool wrap)
    {
        var words = string.Join(' ', Enumerable.Range(0, r.Next(6, 14)).Select(_ => Pick(r, Words)));
        var title = string.Create(CultureInfo.InvariantCulture, $"Paper {i}: {char.ToUpperInvariant(words[0])}{words[1..]}");
        // OAI titles are hard-wrapped with a two-space indent, as in the fixture.
        var cut = wrap && title.Length > 60 ? title.IndexOf(' ', 50) : -1;
        return cut > 0 ? $"{title[..cut]}\n  {title[(cut + 1)..]}" : title;
    }

    /// <summary>~1.2 KB of words, with the TeX and escaped markup real abstracts carry; OAI's are wrapped at ~78 columns.</summary>
    private static string Abstract(Random r, bool wrap)
    {
        var text = new StringBuilder(1400);
        var line = 0;
        while (text.Length < 1150 + r.Next(100))
        {
            var word = r.Next(40) switch
            {
                0 => "$0&lt;\\delta&lt;1$",
                1 => "(1)",
                2 => "R&amp;D",
                3 => "spin-$1/2$",
                _ => Pick(r, Words),
            };
            if (text.Length > 0)
            {
                if (wrap && line + word.Length > 76)
                {
                    text.Append('\n');
                    line = 0;
                }
                else
                {
                    text.Append(' ');
                    line++;
                }
            }

            text.Append(word);
            line += word.Length;
            if (r.Next(12) == 0)
            {
                text.Append('.');
                line++;
            }
        }

        text.Append('.');
        return text.ToString();
    }
}
