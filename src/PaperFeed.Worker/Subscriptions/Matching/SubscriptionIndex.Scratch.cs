using System.Runtime.InteropServices;

namespace PaperFeed.Worker.Subscriptions.Matching;

public sealed partial class SubscriptionIndex
{
    /// <summary>
    /// One thread's working memory for matching a paper, reused from paper to paper: the paper in the term ids
    /// of a <see cref="State"/>, and the matches found.
    /// <para>
    /// The array by term id carries a stamp, a number new for every paper, so that "the paper has this term" is
    /// one comparison and nothing needs clearing between papers.
    /// </para>
    /// </summary>
    private sealed class Scratch
    {
        /// <summary>The paper has the term when <see cref="Stamp"/> is the paper's; a word's first position.</summary>
        private readonly record struct TermMark(int Stamp, int First);

        /// <summary>A distinct word of the paper that may be a term, while it is looked up.</summary>
        private readonly record struct Candidate(string Word, int Hash, int First);

        private int _stamp;

        // By term id: the paper has the term when the stamp is this paper's; then the first position of a word.
        private TermMark[] _marks = new TermMark[256];

        // By position: the term id of the paper's word there (-1 for a word no filter uses), the next position
        // of the same word (the paper's own array), and how many words of the title come first.
        private int[] _sequence = new int[256];
        private int[] _next = [];
        private int _length;
        private int _titleLength;

        private readonly List<int> _anchorTerms = new(256);
        private Candidate[] _candidates = new Candidate[256];

        // The matches: order keys and subscriptions (a subscription reached through two anchors may be there
        // twice), sorted through an array of their indexes.
        private long[] _orderKeys = new long[64];
        private Subscription?[] _found = new Subscription?[64];
        private int[] _order = new int[64];
        private int _count;

        // For sorting the matches: the high halves of their keys, a second order, and counts per radix digit.
        private const int RadixBits = 11;
        private uint[] _high = new uint[64];
        private int[] _swap = new int[64];
        private readonly int[] _buckets = new int[1 << RadixBits];

        // Candidates whose program is still to be read, and a sum of what was read ahead of them.
        private Posting[] _deferred = new Posting[64];
        private int _deferredCount;
        private int _readAhead;

        public int? Upvotes { get; private set; }
        public bool HasCode { get; private set; }

        /// <summary>The paper's terms that have postings, each once (after <see cref="Load"/>).</summary>
        public List<int> AnchorTerms => _anchorTerms;

        /// <summary>
        /// Takes <paramref name="paper"/> in: looks up each distinct word and key once. The look-ups go in rounds
        /// over all the paper's candidate words (those the filter of word hashes lets through): read the table
        /// slot of each, then the term each slot names, then look each up for real; then the first posting of each
        /// anchor is read. The reads of a round do not wait for one another, so a paper costs a few waits for
        /// memory instead of a few per word.
        /// </summary>
        public void Load(State state, MatchablePaper paper)
        {
            NextStamp(state);
            _anchorTerms.Clear();
            _count = 0;
            _deferredCount = 0;
            Upvotes = paper.Upvotes;
            HasCode = paper.HasCode;

            var words = paper.WordArray;
            _length = words.Length;
            _titleLength = paper.TitleWordCount;
            _next = paper.NextPositions;
            if (_sequence.Length < _length)
            {
                _sequence = new int[Math.Max(_length, _sequence.Length * 2)];
            }

            _sequence.AsSpan(0, _length).Fill(-1);
            if (_candidates.Length < paper.FirstPositions.Count)
            {
                _candidates = new Candidate[Math.Max(paper.FirstPositions.Count, _candidates.Length * 2)];
            }

            var table = state.Table;
            var n = 0;
            foreach (var (word, first) in paper.FirstPositions)
            {
                var hash = TermTable.Hash(TermKind.Word, word);
                if (state.MayBeWord(hash))
                {
                    _candidates[n++] = new Candidate(word, hash, first);
                }
            }

            // Short loops that only read: the processor keeps many of their reads in flight at once.
            var candidates = _candidates.AsSpan(0, n);
            long ahead = 0;
            foreach (ref readonly var candidate in candidates)
            {
                ahead += table.Peek(candidate.Hash);
            }

            foreach (ref readonly var candidate in candidates)
            {
                ahead += table.PeekedKey(table.Peek(candidate.Hash), TermKind.Word, candidate.Hash)?.Length ?? 0;
            }

            foreach (ref var candidate in candidates)
            {
                var id = table.Find(TermKind.Word, candidate.Word, candidate.Hash);
                var first = candidate.First;
                candidate = default;
                if (id >= 0)
                {
                    _marks[id] = new TermMark(_stamp, first);
                    for (var p = first; p >= 0; p = _next[p])
                    {
                        _sequence[p] = id;
                    }

                    _anchorTerms.Add(id);
                }
            }

            LoadKeys(state, TermKind.Category, paper.CategoryKeySet);
            LoadKeys(state, TermKind.Author, paper.AuthorKeySet);
            LoadKeys(state, TermKind.Source, paper.SourceSet);

            // The terms found (in the list of anchors so far), then the first postings of those with postings.
            foreach (var term in _anchorTerms)
            {
                ahead += state.PostingCount(term);
            }

            var found = CollectionsMarshal.AsSpan(_anchorTerms);
            var kept = 0;
            foreach (var term in found)
            {
                if (state.PostingCount(term) > 0)
                {
                    found[kept++] = term;
                }
            }

            CollectionsMarshal.SetCount(_anchorTerms, kept);
            foreach (var term in _anchorTerms)
            {
                ahead += state.Postings(term)[0].MinUpvotes;
            }

            _readAhead += (int)ahead;
        }

        private void LoadKeys(State state, TermKind kind, HashSet<string> keys)
        {
            foreach (var key in keys)
            {
                var id = state.Find(kind, key);
                if (id >= 0)
                {
                    _marks[id] = new TermMark(_stamp, -1);
                    _anchorTerms.Add(id);
                }
            }
        }

        private void NextStamp(State state)
        {
            // Stamps only grow, so arrays replaced by larger ones (all zeros) need no reset.
            if (_marks.Length < state.TermCount)
            {
                _marks = new TermMark[Math.Max(state.TermCount, _marks.Length * 2)];
            }

            if (_stamp == int.MaxValue)
            {
                Array.Clear(_marks);
                _stamp = 0;
            }

            _stamp++;
        }

        /// <summary>True when the paper has <paramref name="term"/>.</summary>
        public bool Has(int term) => _marks[term].Stamp == _stamp;

        /// <summary>True when the paper has any of <paramref name="terms"/> (categories, authors or sources).</summary>
        public bool HasAny(ReadOnlySpan<int> terms)
        {
            foreach (var term in terms)
            {
                if (_marks[term].Stamp == _stamp)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// True when the title or the abstract contains one of the phrases at <paramref name="at"/> in a
        /// <see cref="FilterProgram"/> (a count, then each phrase as its length and term ids), as
        /// <see cref="MatchablePaper.ContainsPhrase"/> would tell.
        /// </summary>
        public bool ContainsAny(int[] program, int at)
        {
            var phrases = program[at++];
            for (var i = 0; i < phrases; i++)
            {
                var length = program[at];
                if (ContainsPhrase(program.AsSpan(at + 1, length)))
                {
                    return true;
                }

                at += length + 1;
            }

            return false;
        }

        private bool ContainsPhrase(ReadOnlySpan<int> phrase)
        {
            var head = _marks[phrase[0]];
            if (head.Stamp != _stamp)
            {
                return false;
            }

            if (phrase.Length == 1)
            {
                return true;
            }

            for (var start = head.First; start >= 0; start = _next[start])
            {
                var end = start + phrase.Length;
                if (end > _length)
                {
                    return false;
                }

                if (start < _titleLength && end > _titleLength)
                {
                    continue;
                }

                if (_sequence.AsSpan(start + 1, phrase.Length - 1).SequenceEqual(phrase[1..]))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The deferred candidates, after reading the start of their programs (see <see cref="Defer"/>).</summary>
        public ReadOnlySpan<Posting> ReadDeferred()
        {
            var deferred = _deferred.AsSpan(0, _deferredCount);
            var ahead = 0;
            foreach (ref readonly var posting in deferred)
            {
                ahead += posting.Program[0];
            }

            _readAhead += ahead;
            return deferred;
        }

        /// <summary>
        /// Keeps <paramref name="posting"/> to verify once every candidate has been seen: then the programs of all
        /// of them are read in one short loop first, so that their waits for memory overlap.
        /// </summary>
        public void Defer(in Posting posting)
        {
            if (_deferredCount == _deferred.Length)
            {
                Array.Resize(ref _deferred, _deferredCount * 2);
            }

            _deferred[_deferredCount++] = posting;
        }

        /// <summary>Records the subscription of <paramref name="posting"/> as matched (again is harmless).</summary>
        public void AddMatch(in Posting posting)
        {
            if (_count == _found.Length)
            {
                Array.Resize(ref _orderKeys, _count * 2);
                Array.Resize(ref _found, _count * 2);
                Array.Resize(ref _order, _count * 2);
            }

            _orderKeys[_count] = posting.OrderKey;
            _found[_count++] = posting.Subscription;
        }

        /// <summary>The subscriptions matched, each once, in id order; lets go of them and of the paper.</summary>
        public Subscription[] Matches()
        {
            _next = [];
            var n = _count;
            if (n == 0)
            {
                Array.Clear(_deferred, 0, _deferredCount);
                return [];
            }

            SortByOrderKey(n);
            var subscriptions = new Subscription[Distinct(n)];
            for (var i = 0; i < subscriptions.Length; i++)
            {
                subscriptions[i] = _found[_order[i]]!;
            }

            Array.Clear(_found, 0, n);
            Array.Clear(_deferred, 0, _deferredCount);
            return subscriptions;
        }

        /// <summary>
        /// Puts the indexes of the first <paramref name="n"/> matches in <see cref="_order"/>, by order key. Keys are
        /// mostly multiples of 2^32 apart, so their high halves are sorted by radix (no comparisons, so no
        /// mispredicted branches, which dominate comparison sorts of random keys); an insertion sort then orders
        /// keys that share a high half.
        /// </summary>
        private void SortByOrderKey(int n)
        {
            var keys = _orderKeys.AsSpan(0, n);
            var min = keys[0];
            var max = keys[0];
            foreach (var key in keys)
            {
                min = Math.Min(min, key);
                max = Math.Max(max, key);
            }

            if (_high.Length < n)
            {
                _high = new uint[_orderKeys.Length];
                _swap = new int[_orderKeys.Length];
            }

            var order = _order.AsSpan(0, n);
            var high = _high.AsSpan(0, n);
            for (var i = 0; i < n; i++)
            {
                order[i] = i;
                high[i] = (uint)((ulong)(keys[i] - min) >> 32);
            }

            // Digits of as many bits as make the rounds cheapest: each reads the keys twice and the counts twice.
            var bits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)((ulong)(max - min) >> 32));
            var digit = RadixBits;
            var cost = long.MaxValue;
            for (var d = 4; d <= RadixBits; d++)
            {
                var rounds = (bits + d - 1) / d;
                var c = rounds * ((2L << d) + (2L * n));
                if (c < cost)
                {
                    (digit, cost) = (d, c);
                }
            }

            var mask = (1u << digit) - 1;
            var buckets = _buckets.AsSpan(0, 1 << digit);
            var from = order;
            var to = _swap.AsSpan(0, n);
            for (var shift = 0; shift < bits; shift += digit)
            {
                buckets.Clear();
                foreach (var i in from)
                {
                    buckets[(int)((high[i] >> shift) & mask)]++;
                }

                var sum = 0;
                foreach (ref var bucket in buckets)
                {
                    (bucket, sum) = (sum, sum + bucket);
                }

                foreach (var i in from)
                {
                    to[buckets[(int)((high[i] >> shift) & mask)]++] = i;
                }

                var swap = from;
                from = to;
                to = swap;
            }

            if (from != order)
            {
                from.CopyTo(order);
            }

            for (var i = 1; i < n; i++)
            {
                var index = order[i];
                var key = keys[index];
                var j = i - 1;
                while (j >= 0 && keys[order[j]] > key)
                {
                    order[j + 1] = order[j];
                    j--;
                }

                order[j + 1] = index;
            }
        }

        /// <summary>Drops repeats (a subscription found through two anchors) from the sorted order; the count left.</summary>
        private int Distinct(int n)
        {
            var distinct = 1;
            for (var i = 1; i < n; i++)
            {
                if (_orderKeys[_order[i]] != _orderKeys[_order[distinct - 1]])
                {
                    _order[distinct++] = _order[i];
                }
            }

            return distinct;
        }
    }
}
