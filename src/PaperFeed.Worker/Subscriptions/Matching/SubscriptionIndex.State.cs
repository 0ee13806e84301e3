using System.Runtime.InteropServices;

namespace PaperFeed.Worker.Subscriptions.Matching;

public sealed partial class SubscriptionIndex
{
    /// <summary>Where an entry is filed.</summary>
    private enum Facet
    {
        /// <summary>Nowhere: the filter can never match.</summary>
        None,
        Keywords,
        Categories,
        Authors,
        Sources,
        MinUpvotes,
        HasCode,

        /// <summary>Read for every paper.</summary>
        Unanchored,
    }

    /// <summary>The kinds of term; all share one table (the kind is part of the key) and one range of ids.</summary>
    private enum TermKind
    {
        Word,
        Category,
        Author,
        Source,
    }

    /// <summary>
    /// An entry as filed under one anchor (or in one of the lists without anchors), with what deciding most
    /// candidates takes, each a term id or -1: <see cref="Need"/>, a term the paper must have (another word of the
    /// anchor's phrase); <see cref="Absent"/>, a term it must not have (the only excluded entry, one word);
    /// <see cref="Any1"/> and <see cref="Any2"/>, the one or two entries of a facet (categories, authors or
    /// sources) of which the paper must have one. <see cref="Skip"/> is what reaching the posting and passing those
    /// checks proves; <see cref="Remaining"/> the facets left, with the upvote limit at hand. Only when more than
    /// upvotes and code remain is the filter's program read. A match is recorded from the posting alone: the
    /// subscription and its <see cref="OrderKey"/>.
    /// </summary>
    private readonly record struct Posting(
        int[] Program,
        Subscription Subscription,
        long OrderKey,
        int Need,
        int Absent,
        int Any1,
        int Any2,
        int MinUpvotes,
        FilterFacets Skip,
        FilterFacets Remaining);

    /// <summary>A growable array of postings, kept inline in its term.</summary>
    private struct PostingList
    {
        private Posting[]? _items;
        private int _count;

        public readonly int Count => _count;

        public readonly ReadOnlySpan<Posting> AsSpan() => _items.AsSpan(0, _count);

        public void Add(in Posting posting)
        {
            if (_items is null || _count == _items.Length)
            {
                Array.Resize(ref _items, Math.Max(4, _count * 2));
            }

            _items[_count++] = posting;
        }

        public readonly Span<Posting> AsWritableSpan() => _items.AsSpan(0, _count);

        public void Remove(int[] program)
        {
            for (var i = 0; i < _count; i++)
            {
                if (ReferenceEquals(_items![i].Program, program))
                {
                    Array.Copy(_items, i + 1, _items, i, _count - i - 1);
                    _items[--_count] = default;
                    return;
                }
            }
        }
    }

    /// <summary>A word or key some filter uses: how many uses, and the postings filed under it.</summary>
    private struct Term
    {
        public int Hash;
        public TermKind Kind;
        public int References;
        public PostingList Postings;
    }

    /// <summary>The longest word of a phrase (the first of equally long ones): its anchor, as the least common.</summary>
    private static string Longest(IReadOnlyList<string> phrase)
    {
        var longest = phrase[0];
        for (var i = 1; i < phrase.Count; i++)
        {
            if (phrase[i].Length > longest.Length)
            {
                longest = phrase[i];
            }
        }

        return longest;
    }

    /// <summary>A subscription as the index holds it.</summary>
    private sealed class Entry
    {
        private Entry(Subscription subscription, CompiledFilter compiled, Facet facet, (string Key, FilterFacets Known)[] anchors)
        {
            Subscription = subscription;
            Compiled = compiled;
            Facet = facet;
            Anchors = anchors;
        }

        public Subscription Subscription { get; }
        public CompiledFilter Compiled { get; }
        public Facet Facet { get; }

        /// <summary>The distinct keys the entry is filed under (in its facet's table), and the facet each proves.</summary>
        public (string Key, FilterFacets Known)[] Anchors { get; }

        /// <summary>Orders entries as their ids do (see <see cref="State"/>).</summary>
        public long OrderKey { get; set; }

        /// <summary>The filter in term ids (a <see cref="FilterProgram"/>), while the entry is filed.</summary>
        public int[]? Program { get; set; }

        public static Entry Create(Subscription subscription)
        {
            var filter = CompiledFilter.Compile(subscription.Filter);
            if (!filter.CanMatch)
            {
                return new Entry(subscription, filter, Facet.None, []);
            }

            if (filter.Keywords.Count > 0)
            {
                var anchors = new List<(string Key, FilterFacets Known)>(filter.Keywords.Count);
                foreach (var phrase in filter.Keywords)
                {
                    var longest = Longest(phrase);

                    // A one-word entry holds as soon as its word is found.
                    var proves = phrase.Count == 1 ? FilterFacets.Keywords : FilterFacets.None;
                    var at = anchors.FindIndex(a => a.Key == longest);
                    if (at < 0)
                    {
                        anchors.Add((longest, proves));
                    }
                    else
                    {
                        anchors[at] = (longest, anchors[at].Known | proves);
                    }
                }

                return new Entry(subscription, filter, Facet.Keywords, [.. anchors]);
            }

            // Compiled categories, authors and sources are distinct already; each proves its facet.
            if (filter.Categories.Count > 0)
            {
                return Filed(Facet.Categories, filter.Categories, FilterFacets.Categories);
            }

            if (filter.Authors.Count > 0)
            {
                return Filed(Facet.Authors, filter.Authors, FilterFacets.Authors);
            }

            if (filter.Sources.Count > 0)
            {
                return Filed(Facet.Sources, filter.Sources, FilterFacets.Sources);
            }

            var facet = filter.MinUpvotes is not null ? Facet.MinUpvotes : filter.HasCode ? Facet.HasCode : Facet.Unanchored;
            return new Entry(subscription, filter, facet, []);

            Entry Filed(Facet facet, IReadOnlyList<string> keys, FilterFacets proves) =>
                new(subscription, filter, facet, [.. keys.Select(k => (k, proves))]);
        }
    }

    /// <summary>
    /// Everything the index holds: entries by id and in id order, the term tables with their postings, the lists
    /// without anchors. Changed only under the write lock (or before it is published).
    /// <para>
    /// Results are ordered by id through order keys: numbers that sort as the ids do, spaced 2^32 apart when
    /// assigned together, so that a new id takes the middle of the gap between its neighbours (or the next step
    /// past either end). Only when a gap is used up are all keys assigned afresh, and every posting updated.
    /// </para>
    /// </summary>
    private sealed class State
    {
        private const long Gap = 1L << 32;

        private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);

        // Every entry in id order.
        private readonly List<Entry> _sorted;

        private readonly TermTable _table = new();

        private readonly Stack<int> _freeTerms = new();
        private Term[] _terms = new Term[64];

        // A bit per hash of every word some filter uses (bits are set, never cleared): a paper's word whose bit
        // is clear is no term, and needs no look-up in the table. 2^20 bits, 128 KB.
        private readonly ulong[] _wordBits = new ulong[1 << 14];

        public State(Entry[] entries)
        {
            Array.Sort(entries, static (a, b) => string.CompareOrdinal(a.Subscription.Id, b.Subscription.Id));
            _sorted = new List<Entry>(entries);
            for (var i = 0; i < entries.Length; i++)
            {
                entries[i].OrderKey = i * Gap;
                _byId.Add(entries[i].Subscription.Id, entries[i]);
                File(entries[i]);
            }
        }

        public int Count => _byId.Count;

        /// <summary>Term ids in use are below this.</summary>
        public int TermCount { get; private set; }

        public TermTable Table => _table;

        /// <summary>The id of the term of <paramref name="kind"/> with <paramref name="key"/>, or -1.</summary>
        public int Find(TermKind kind, string key) => _table.Find(kind, key, TermTable.Hash(kind, key));

        /// <summary>Ordered by the upvote limit.</summary>
        public List<Posting> ByMinUpvotes { get; } = [];

        public List<Posting> WithCode { get; } = [];
        public List<Posting> Unanchored { get; } = [];

        /// <summary>False when the word with <paramref name="hash"/> is certainly no term (true may still be wrong).</summary>
        public bool MayBeWord(int hash)
        {
            var bit = (uint)hash & ((1u << 20) - 1);
            return (_wordBits[bit >> 6] & (1UL << (int)bit)) != 0;
        }

        public ReadOnlySpan<Posting> Postings(int term) => _terms[term].Postings.AsSpan();

        /// <summary>How many postings <paramref name="term"/> has (without reading them).</summary>
        public int PostingCount(int term) => _terms[term].Postings.Count;

        public void Add(Entry entry)
        {
            _byId.Add(entry.Subscription.Id, entry);
            var at = ~SortedIndex(entry.Subscription.Id);
            long? before = at > 0 ? _sorted[at - 1].OrderKey : null;
            long? after = at < _sorted.Count ? _sorted[at].OrderKey : null;
            _sorted.Insert(at, entry);
            if (before is null && after is null)
            {
                entry.OrderKey = 0;
            }
            else if (after is null && before < long.MaxValue - Gap)
            {
                entry.OrderKey = before.Value + Gap;
            }
            else if (before is null && after > long.MinValue + Gap)
            {
                entry.OrderKey = after.Value - Gap;
            }
            else if (before is not null && after is not null && after.Value - before.Value >= 2)
            {
                entry.OrderKey = before.Value + ((after.Value - before.Value) / 2);
            }
            else
            {
                Renumber();
            }

            File(entry);
        }

        public bool Remove(string id)
        {
            if (!_byId.Remove(id, out var entry))
            {
                return false;
            }

            _sorted.RemoveAt(SortedIndex(id));
            Unfile(entry);
            return true;
        }

        private int SortedIndex(string id)
        {
            int low = 0, high = _sorted.Count - 1;
            while (low <= high)
            {
                var mid = low + ((high - low) / 2);
                var c = string.CompareOrdinal(_sorted[mid].Subscription.Id, id);
                if (c == 0)
                {
                    return mid;
                }

                if (c < 0)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid - 1;
                }
            }

            return ~low;
        }

        /// <summary>Assigns every entry its key afresh, 2^32 apart in id order, and updates every posting.</summary>
        private void Renumber()
        {
            var keys = new Dictionary<int[], long>(_sorted.Count, ReferenceEqualityComparer.Instance);
            for (var i = 0; i < _sorted.Count; i++)
            {
                _sorted[i].OrderKey = i * Gap;
                if (_sorted[i].Program is { } program)
                {
                    keys.Add(program, i * Gap);
                }
            }

            for (var term = 0; term < TermCount; term++)
            {
                Update(_terms[term].Postings.AsWritableSpan());
            }

            Update(CollectionsMarshal.AsSpan(ByMinUpvotes));
            Update(CollectionsMarshal.AsSpan(WithCode));
            Update(CollectionsMarshal.AsSpan(Unanchored));

            void Update(Span<Posting> postings)
            {
                foreach (ref var posting in postings)
                {
                    posting = posting with { OrderKey = keys[posting.Program] };
                }
            }
        }

        private void File(Entry entry)
        {
            if (entry.Facet == Facet.None)
            {
                return;
            }

            var program = entry.Program = FilterProgram.Create(entry.Compiled, Acquire);
            switch (entry.Facet)
            {
                case Facet.MinUpvotes:
                    // After the entries with the same limit, so that filing keeps the order stable.
                    var posting = PostingFor(entry, program, null, FilterFacets.MinUpvotes);
                    var at = ByMinUpvotes.FindLastIndex(p => p.MinUpvotes <= posting.MinUpvotes) + 1;
                    ByMinUpvotes.Insert(at, posting);
                    return;
                case Facet.HasCode:
                    WithCode.Add(PostingFor(entry, program, null, FilterFacets.HasCode));
                    return;
                case Facet.Unanchored:
                    Unanchored.Add(PostingFor(entry, program, null, FilterFacets.None));
                    return;
            }

            var kind = KindOf(entry.Facet);
            foreach (var (key, known) in entry.Anchors)
            {
                // The filter holds every key it is filed under, so the term exists.
                _terms[Find(kind, key)].Postings.Add(PostingFor(entry, program, key, known));
            }
        }

        /// <summary>The posting of <paramref name="entry"/> under <paramref name="anchor"/>, with the checks that decide most candidates.</summary>
        private Posting PostingFor(Entry entry, int[] program, string? anchor, FilterFacets known)
        {
            var compiled = entry.Compiled;
            var need = -1;
            if (entry.Facet == Facet.Keywords && (known & FilterFacets.Keywords) == 0)
            {
                // Reached through the longest word of one phrase (or several): the phrase needs its other words
                // too; one of them is needed when the anchor stands for a single phrase.
                string[]? only = null;
                var phrases = 0;
                foreach (var phrase in compiled.Keywords)
                {
                    if (Longest(phrase) == anchor)
                    {
                        only = [.. phrase];
                        phrases++;
                    }
                }

                if (phrases == 1 && only!.Where(w => w != anchor).MaxBy(w => w.Length) is { } second)
                {
                    need = Find(TermKind.Word, second);
                }
            }

            // The first of categories, authors and sources left to check that has one or two entries.
            var left = compiled.Facets & ~known;
            var (any1, any2, proves) = (left & FilterFacets.Categories) != 0 && compiled.Categories.Count <= 2 ? AnyOf(TermKind.Category, compiled.Categories, FilterFacets.Categories)
                : (left & FilterFacets.Authors) != 0 && compiled.Authors.Count <= 2 ? AnyOf(TermKind.Author, compiled.Authors, FilterFacets.Authors)
                : (left & FilterFacets.Sources) != 0 && compiled.Sources.Count <= 2 ? AnyOf(TermKind.Source, compiled.Sources, FilterFacets.Sources)
                : (-1, -1, FilterFacets.None);

            var absent = -1;
            if (compiled.Exclude is [[var excluded]])
            {
                absent = Find(TermKind.Word, excluded);
                proves |= FilterFacets.Exclude;
            }

            var skip = known | proves;
            return new Posting(
                program, entry.Subscription, entry.OrderKey, need, absent, any1, any2, compiled.MinUpvotes ?? 0, skip, compiled.Facets & ~skip);

            (int, int, FilterFacets) AnyOf(TermKind kind, IReadOnlyList<string> keys, FilterFacets facet) =>
                (Find(kind, keys[0]), keys.Count > 1 ? Find(kind, keys[1]) : -1, facet);
        }

        private void Unfile(Entry entry)
        {
            if (entry.Program is not { } filter)
            {
                return;
            }

            switch (entry.Facet)
            {
                case Facet.MinUpvotes:
                    RemoveProgram(ByMinUpvotes, filter);
                    break;
                case Facet.HasCode:
                    RemoveProgram(WithCode, filter);
                    break;
                case Facet.Unanchored:
                    RemoveProgram(Unanchored, filter);
                    break;
                default:
                    var kind = KindOf(entry.Facet);
                    foreach (var (key, _) in entry.Anchors)
                    {
                        _terms[Find(kind, key)].Postings.Remove(filter);
                    }

                    break;
            }

            foreach (var term in FilterProgram.Terms(filter))
            {
                Release(term);
            }

            entry.Program = null;
        }

        private static TermKind KindOf(Facet facet) => facet switch
        {
            Facet.Keywords => TermKind.Word,
            Facet.Categories => TermKind.Category,
            Facet.Authors => TermKind.Author,
            _ => TermKind.Source,
        };

        private static void RemoveProgram(List<Posting> postings, int[] program)
        {
            var span = CollectionsMarshal.AsSpan(postings);
            for (var i = 0; i < span.Length; i++)
            {
                if (ReferenceEquals(span[i].Program, program))
                {
                    postings.RemoveAt(i);
                    return;
                }
            }
        }

        /// <summary>The id of <paramref name="key"/> among the terms of <paramref name="kind"/>, counting one more use.</summary>
        private int Acquire(TermKind kind, string key)
        {
            var hash = TermTable.Hash(kind, key);
            var id = _table.Find(kind, key, hash);
            if (id < 0)
            {
                if (!_freeTerms.TryPop(out id))
                {
                    id = TermCount++;
                    if (id == _terms.Length)
                    {
                        Array.Resize(ref _terms, id * 2);
                    }
                }

                _terms[id] = new Term { Hash = hash, Kind = kind };
                _table.Add(kind, key, hash, id);
                if (kind == TermKind.Word)
                {
                    var bit = (uint)hash & ((1u << 20) - 1);
                    _wordBits[bit >> 6] |= 1UL << (int)bit;
                }
            }

            _terms[id].References++;
            return id;
        }

        /// <summary>One use less of <paramref name="id"/>; a term no filter uses any more is forgotten.</summary>
        private void Release(int id)
        {
            ref var term = ref _terms[id];
            if (--term.References == 0)
            {
                _table.Remove(term.Kind, term.Hash, id);
                term = default;
                _freeTerms.Push(id);
            }
        }
    }

    /// <summary>
    /// A <see cref="CompiledFilter"/> in the term ids of one <see cref="State"/>, as one array of integers so that
    /// checking it reads one small object:
    /// <c>[facets, minUpvotes, #categories, ids…, #authors, ids…, #sources, ids…, #keywords, (#words, ids…)…,
    /// #excluded, (#words, ids…)…]</c>.
    /// </summary>
    private static class FilterProgram
    {
        public static int[] Create(CompiledFilter compiled, Func<TermKind, string, int> acquire)
        {
            var program = new List<int> { (int)compiled.Facets, compiled.MinUpvotes ?? 0 };
            Keys(TermKind.Category, compiled.Categories);
            Keys(TermKind.Author, compiled.Authors);
            Keys(TermKind.Source, compiled.Sources);
            Phrases(compiled.Keywords);
            Phrases(compiled.Exclude);
            return [.. program];

            void Keys(TermKind kind, IReadOnlyList<string> keys)
            {
                program.Add(keys.Count);
                foreach (var key in keys)
                {
                    program.Add(acquire(kind, key));
                }
            }

            void Phrases(IReadOnlyList<IReadOnlyList<string>> phrases)
            {
                program.Add(phrases.Count);
                foreach (var phrase in phrases)
                {
                    Keys(TermKind.Word, phrase);
                }
            }
        }

        public static FilterFacets Facets(int[] program) => (FilterFacets)program[0];

        public static int MinUpvotes(int[] program) => program[1];

        /// <summary>Every term id in <paramref name="program"/> (with repeats).</summary>
        public static List<int> Terms(int[] program)
        {
            var terms = new List<int>();
            var at = 2;
            for (var list = 0; list < 3; list++)
            {
                var count = program[at++];
                terms.AddRange(program.AsSpan(at, count));
                at += count;
            }

            for (var list = 0; list < 2; list++)
            {
                var phrases = program[at++];
                for (var i = 0; i < phrases; i++)
                {
                    var count = program[at++];
                    terms.AddRange(program.AsSpan(at, count));
                    at += count;
                }
            }

            return terms;
        }

        /// <summary>
        /// <see cref="CompiledFilter.Matches"/>, on term ids, for the paper in <paramref name="paper"/>; the
        /// facets in <paramref name="known"/> have been checked already.
        /// </summary>
        public static bool Matches(int[] program, Scratch paper, FilterFacets known)
        {
            var check = (FilterFacets)program[0] & ~known;
            if ((check & FilterFacets.MinUpvotes) != 0 && !(paper.Upvotes >= program[1]))
            {
                return false;
            }

            if ((check & FilterFacets.HasCode) != 0 && !paper.HasCode)
            {
                return false;
            }

            var at = 2;
            if (!Keys(FilterFacets.Categories) || !Keys(FilterFacets.Authors) || !Keys(FilterFacets.Sources))
            {
                return false;
            }

            if ((check & FilterFacets.Keywords) != 0)
            {
                if (!paper.ContainsAny(program, at))
                {
                    return false;
                }
            }

            if ((check & FilterFacets.Exclude) == 0)
            {
                return true;
            }

            // Skip the keywords to reach the excluded phrases.
            var phrases = program[at++];
            for (var i = 0; i < phrases; i++)
            {
                at += program[at] + 1;
            }

            return !paper.ContainsAny(program, at);

            bool Keys(FilterFacets facet)
            {
                var count = program[at];
                var keys = program.AsSpan(at + 1, count);
                at += count + 1;
                return (check & facet) == 0 || paper.HasAny(keys);
            }
        }
    }
}
