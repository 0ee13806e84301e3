namespace PaperFeed.Worker.Subscriptions.Matching;

public sealed partial class SubscriptionIndex
{
    /// <summary>
    /// Term ids by kind and key: an open-addressing hash table (linear probing, at most half full) whose slots
    /// hold a key's hash, its kind and its id, so that a probe reads one array until hash and kind match, and the
    /// key itself (in an array by id) only then. <see cref="Peek"/> and <see cref="PeekedKey"/> let a caller read
    /// the slots and keys of many look-ups ahead of making them, so that waiting for memory overlaps (see
    /// <see cref="Scratch.Load"/>).
    /// </summary>
    private sealed class TermTable
    {
        private const int IdBits = 30;

        // 0 for an empty slot; otherwise the hash in the high half, the kind in the next two bits and id + 1 in
        // the low 30.
        private long[] _slots = new long[1024];
        private string?[] _keys = new string?[256];
        private int _count;

        /// <summary>The hash of <paramref name="key"/> as a term of <paramref name="kind"/>.</summary>
        public static int Hash(TermKind kind, string key) => key.GetHashCode() ^ ((int)kind * -1640531527);

        /// <summary>The slot where a look-up of <paramref name="hash"/> starts (read ahead, the value is not needed).</summary>
        public long Peek(int hash) => _slots[hash & (_slots.Length - 1)];

        /// <summary>The key of the term whose slot a look-up finds first, if kind and hash match (read ahead).</summary>
        public string? PeekedKey(long slot, TermKind kind, int hash) =>
            slot != 0 && (slot & ~((1L << IdBits) - 1)) == Tag(kind, hash) ? _keys[(int)(slot & ((1 << IdBits) - 1)) - 1] : null;

        /// <summary>The id of the term of <paramref name="kind"/> with <paramref name="key"/>, or -1.</summary>
        public int Find(TermKind kind, string key, int hash)
        {
            var mask = _slots.Length - 1;
            var tag = Tag(kind, hash);
            for (var i = hash & mask; ; i = (i + 1) & mask)
            {
                var slot = _slots[i];
                if (slot == 0)
                {
                    return -1;
                }

                if ((slot & ~((1L << IdBits) - 1)) == tag)
                {
                    var id = (int)(slot & ((1 << IdBits) - 1)) - 1;
                    if (string.Equals(_keys[id], key, StringComparison.Ordinal))
                    {
                        return id;
                    }
                }
            }
        }

        public void Add(TermKind kind, string key, int hash, int id)
        {
            if (id >= _keys.Length)
            {
                Array.Resize(ref _keys, Math.Max(id + 1, _keys.Length * 2));
            }

            _keys[id] = key;
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

            Place(Tag(kind, hash) | (uint)(id + 1));
            _count++;
        }

        private static long Tag(TermKind kind, int hash) => ((long)hash << 32) | ((long)kind << IdBits);

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
        public void Remove(TermKind kind, int hash, int id)
        {
            _keys[id] = null;
            var mask = _slots.Length - 1;
            var entry = Tag(kind, hash) | (uint)(id + 1);
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
