namespace PaperFeed.Worker.Subscriptions.Matching;

public sealed partial class SubscriptionIndex
{
    /// <summary>
    /// Term ids by kind and key: an open-addressing hash table (linear probing, at most half full) whose slots
    /// hold a key's hash and its id, so that a probe reads one array until the hash matches, and the key itself
    /// (in the term) only then. <see cref="Peek"/> lets a caller read the slot of many keys ahead of looking them
    /// up, so that waiting for memory overlaps (see <see cref="Scratch.Load"/>).
    /// </summary>
    private sealed class TermTable
    {
        // 0 for an empty slot; otherwise the hash in the high half and id + 1 in the low half.
        private long[] _slots = new long[1024];
        private int _count;

        /// <summary>The hash of <paramref name="key"/> as a term of <paramref name="kind"/>.</summary>
        public static int Hash(TermKind kind, string key) => key.GetHashCode() ^ ((int)kind * -1640531527);

        /// <summary>The slot where a look-up of <paramref name="hash"/> starts (read ahead, the value is not needed).</summary>
        public long Peek(int hash) => _slots[hash & (_slots.Length - 1)];

        /// <summary>The id whose slot a look-up of <paramref name="hash"/> finds first, or -1 (read ahead).</summary>
        public static int PeekedId(long slot, int hash) => slot != 0 && (int)(slot >> 32) == hash ? (int)slot - 1 : -1;

        /// <summary>The id of the term of <paramref name="kind"/> with <paramref name="key"/>, or -1.</summary>
        public int Find(TermKind kind, string key, int hash, Term[] terms)
        {
            var mask = _slots.Length - 1;
            for (var i = hash & mask; ; i = (i + 1) & mask)
            {
                var slot = _slots[i];
                if (slot == 0)
                {
                    return -1;
                }

                if ((int)(slot >> 32) == hash)
                {
                    var id = (int)slot - 1;
                    ref readonly var term = ref terms[id];
                    if (term.Kind == kind && string.Equals(term.Key, key, StringComparison.Ordinal))
                    {
                        return id;
                    }
                }
            }
        }

        public void Add(int hash, int id)
        {
            if ((_count + 1) * 2 > _slots.Length)
            {
                var old = _slots;
                _slots = new long[old.Length * 2];
                foreach (var slot in old)
                {
                    if (slot != 0)
                    {
                        Place(slot);
                    }
                }
            }

            Place(((long)hash << 32) | (uint)(id + 1));
            _count++;
        }

        private void Place(long slot)
        {
            var mask = _slots.Length - 1;
            var i = (int)(slot >> 32) & mask;
            while (_slots[i] != 0)
            {
                i = (i + 1) & mask;
            }

            _slots[i] = slot;
        }

        /// <summary>Removes the slot of <paramref name="id"/>, moving back the slots after it that may take its place.</summary>
        public void Remove(int hash, int id)
        {
            var mask = _slots.Length - 1;
            var entry = ((long)hash << 32) | (uint)(id + 1);
            var i = hash & mask;
            while (_slots[i] != entry)
            {
                i = (i + 1) & mask;
            }

            var j = i;
            while (true)
            {
                j = (j + 1) & mask;
                var slot = _slots[j];
                if (slot == 0)
                {
                    break;
                }

                // A slot may move back to i unless its home lies cyclically in (i, j].
                var home = (int)(slot >> 32) & mask;
                var stays = i <= j ? i < home && home <= j : i < home || home <= j;
                if (!stays)
                {
                    _slots[i] = slot;
                    i = j;
                }
            }

            _slots[i] = 0;
            _count--;
        }
    }
}
