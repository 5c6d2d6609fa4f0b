using System;
using System.Threading;

namespace Librecast
{
    /// <summary>
    /// A bounded claim/commit ring of datagrams laid back to back in one contiguous slab: a writer
    /// claims room for one datagram, writes it in place, commits; one reader takes the committed
    /// datagrams in claim order and frees them. Writes never block: <see cref="TryClaim"/> returns
    /// false when the ring is full. One writer by default; many when created with
    /// <c>singleWriter</c> false. Allocates nothing after construction.
    /// </summary>
    /// <remarks>
    /// <para>Models: Agrona's ManyToOneRingBuffer (claim, write in place, commit; the reader scans
    /// commit marks in order) and System.Threading.Channels' single-writer channel (no atomic on
    /// the claim when only one thread writes).</para>
    /// <para>Layout. <see cref="Slab"/>: <c>bytes</c> bytes (a power of two). Records are packed
    /// in claim order with no header and no padding between them, so equal-sized consecutive
    /// datagrams to one destination are one contiguous block the kernel can take as one UDP GSO
    /// send (iovec straight into the slab, no staging copy). A record never wraps: one that does
    /// not fit before the end of the slab starts at 0, and the bytes it skipped belong to it
    /// (they are freed with it). Beside the slab, <c>records</c> descriptors (a power of two),
    /// descriptor <c>p &amp; mask</c> for record position p: <c>starts</c> (offset in the slab),
    /// <c>lengths</c> (datagram bytes), <c>ends</c> (the byte position after the record,
    /// skipped bytes included) and <c>commits</c> (p + 1 once committed). Four counters grow
    /// without bound and wrap around Int32 (compared only by difference): the writer's
    /// <c>head</c> (next record) and <c>byteHead</c> (next byte), the reader's <c>tail</c> and
    /// <c>byteTail</c>. Used: <c>head - tail</c> records and <c>byteHead - byteTail</c> bytes.</para>
    /// <para>Ordering with <see cref="Interlocked"/> alone (nanoFramework has no Volatile and no
    /// barrier; Interlocked is a full fence there and on .NET). Writer: the claim is plain stores
    /// (one writer) or is made under a spin lock taken and released by Interlocked (many
    /// writers); the datagram's bytes are written after the claim; <see cref="Commit"/> publishes
    /// them with one Interlocked.Exchange of the commit mark (on .NET a release store,
    /// Volatile.Write, which orders the same stores before it: SendRing.net.cs). Reader: scans commit marks with
    /// plain reads, stopping at the first that is not its position + 1 (a stale read only stops
    /// early), then one Interlocked read fences the marks it saw before the datagrams' bytes are
    /// read; <see cref="Release"/> frees records with Interlocked.Exchange of <c>byteTail</c>
    /// and <c>tail</c> after every read of them. A writer that reads <c>tail</c> plainly and finds
    /// the ring full confirms it through Interlocked before answering false, so no loop spins on
    /// a cached value. A mark p + 1 is unique to one lap, so marks are never cleared.</para>
    /// </remarks>
    public sealed partial class SendRing
    {
        private readonly int[] starts;
        private readonly int[] lengths;
        private readonly int[] ends;
        private readonly int[] commits;
        private readonly int mask;
        private readonly int byteCapacity;
        private readonly int maxRecord;
        private readonly bool singleWriter;
        private int head;
        private int byteHead;
        private int tail;
        private int byteTail;
        private int claimLock;
        private int fence;

        /// <summary>
        /// Creates an empty ring of <paramref name="records"/> datagrams and <paramref name="bytes"/>
        /// bytes of slab (both powers of two), datagrams of at most <paramref name="maxRecord"/> bytes.
        /// </summary>
        /// <param name="records">Most datagrams queued at once, a power of two of at least 2.</param>
        /// <param name="bytes">Slab size, a power of two, at least twice <paramref name="maxRecord"/>, at most 1 GiB.</param>
        /// <param name="maxRecord">Largest datagram a claim may ask for.</param>
        /// <param name="slab">The memory (null: allocated here); the .NET platform passes a pinned array.</param>
        /// <param name="singleWriter">True: one thread claims and commits (no atomic on the claim). False: any number.</param>
        /// <exception cref="ArgumentOutOfRangeException">A size that is not a power of two, or out of range.</exception>
        public SendRing(int records, int bytes, int maxRecord, byte[]? slab, bool singleWriter)
        {
            if (records < 2 || (records & (records - 1)) != 0)
                throw new ArgumentOutOfRangeException("records", "must be a power of two, at least 2");
            // Two datagrams at least: a claim that skips the end of the slab needs the skipped bytes
            // (less than one datagram) and its own, so a smaller slab could refuse a claim when empty.
            if (maxRecord < 1 || bytes / 2 < maxRecord || (bytes & (bytes - 1)) != 0 || bytes > 1 << 30)
                throw new ArgumentOutOfRangeException("bytes", "slab size must be a power of two, at least two of the largest datagram, at most 1 GiB");
            if (slab == null) slab = new byte[bytes];
            else if (slab.Length < bytes) throw new ArgumentOutOfRangeException("slab", "slab smaller than the ring");
            Slab = slab;
            starts = new int[records];
            lengths = new int[records];
            ends = new int[records];
            commits = new int[records];
            // Position p's mark is p + 1 once committed: start every mark at a value no position of
            // the first lap expects (position p + 1 - records, the previous lap's).
            for (int i = 0; i < records; i++) commits[i] = i + 1 - records;
            mask = records - 1;
            byteCapacity = bytes;
            this.maxRecord = maxRecord;
            this.singleWriter = singleWriter;
        }

        /// <summary>The memory every datagram lives in.</summary>
        public readonly byte[] Slab;

        /// <summary>Most datagrams queued at once.</summary>
        public int Capacity { get { return mask + 1; } }

        /// <summary>Largest datagram one claim may ask for.</summary>
        public int MaxRecord { get { return maxRecord; } }

        /// <summary>Whether one thread writes (no atomic on the claim).</summary>
        public bool SingleWriter { get { return singleWriter; } }

        /// <summary>Datagrams claimed and not yet released (approximate while others write and read).</summary>
        public int Count { get { return unchecked(Interlocked.CompareExchange(ref head, 0, 0) - Interlocked.CompareExchange(ref tail, 0, 0)); } }

        /// <summary>
        /// Claims room for a datagram of <paramref name="length"/> bytes: on true, write it at
        /// <see cref="Slab"/>[<paramref name="offset"/>, offset + length), then <see cref="Commit"/>
        /// <paramref name="position"/>. False (nothing claimed) when the ring is full.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is 0 or more than <see cref="MaxRecord"/>.</exception>
        public bool TryClaim(int length, out int position, out int offset)
        {
            if (length < 1 || length > maxRecord) throw new ArgumentOutOfRangeException("length", "a datagram is 1 to " + maxRecord + " bytes here");
            if (singleWriter) return Claim(length, out position, out offset);
            while (Interlocked.CompareExchange(ref claimLock, 1, 0) != 0) Thread.Sleep(0);
            try
            {
                return Claim(length, out position, out offset);
            }
            finally
            {
                Interlocked.Exchange(ref claimLock, 0);
            }
        }

        private bool Claim(int length, out int position, out int offset)
        {
            int p = head;
            int at = byteHead & (byteCapacity - 1);
            int skip = at + length > byteCapacity ? byteCapacity - at : 0;
            int end = unchecked(byteHead + skip + length);
            if (unchecked(p - tail) > mask || unchecked(end - byteTail) > byteCapacity)
            {
                // Full by a plain read: confirm with fresh values before saying so.
                int t = Interlocked.CompareExchange(ref tail, 0, 0);
                int bt = Interlocked.CompareExchange(ref byteTail, 0, 0);
                if (unchecked(p - t) > mask || unchecked(end - bt) > byteCapacity)
                {
                    position = 0;
                    offset = 0;
                    return false;
                }
            }
            int i = p & mask;
            offset = skip > 0 ? 0 : at;
            starts[i] = offset;
            lengths[i] = length;
            ends[i] = end;
            byteHead = end;
            head = unchecked(p + 1);
            position = p;
            return true;
        }

        /// <summary>
        /// Writer, before <see cref="Commit"/>: the datagram claimed at <paramref name="position"/>
        /// is only <paramref name="length"/> bytes, fewer than claimed. When it is the latest claim
        /// (always, with one writer claiming one at a time) the bytes given back go to the next
        /// claim, so the datagrams stay back to back; otherwise they stay with this record and are
        /// freed with it.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is 0 or more than was claimed.</exception>
        public void Shrink(int position, int length)
        {
            int i = position & mask;
            if (length < 1 || length > lengths[i]) throw new ArgumentOutOfRangeException("length", "1 to the length claimed");
            if (singleWriter)
            {
                ShrinkCore(position, i, length);
                return;
            }
            while (Interlocked.CompareExchange(ref claimLock, 1, 0) != 0) Thread.Sleep(0);
            try
            {
                ShrinkCore(position, i, length);
            }
            finally
            {
                Interlocked.Exchange(ref claimLock, 0);
            }
        }

        private void ShrinkCore(int position, int i, int length)
        {
            int back = lengths[i] - length;
            lengths[i] = length;
            if (unchecked(head - 1) != position) return;
            int end = unchecked(ends[i] - back);
            ends[i] = end;
            byteHead = end;
        }

        /// <summary>Publishes the datagram claimed at <paramref name="position"/> to the reader.</summary>
        public void Commit(int position)
        {
            bool stored = false;
            CommitNative(commits, position & mask, unchecked(position + 1), ref stored); // .NET: a release store (src/Librecast.net/SendRing.net.cs)
            if (!stored) Interlocked.Exchange(ref commits[position & mask], unchecked(position + 1));
        }

        // Once per message: on .NET a release store (Volatile.Write: a plain store on x86-64, stlr
        // on ARM64) publishes the datagram's bytes as the full fence of Interlocked.Exchange does,
        // at a fraction of its cost (7 % of lc send's profile). nanoFramework has no Volatile:
        // no implementation there, the call compiles away and Interlocked.Exchange publishes.
        static partial void CommitNative(int[] marks, int index, int mark, ref bool stored);

        /// <summary>Reader: the position of the oldest datagram not yet released.</summary>
        public int Tail { get { return tail; } }

        /// <summary>
        /// Reader: how many datagrams from <see cref="Tail"/> on are committed, at most
        /// <paramref name="max"/> (stopping at the first one claimed and not committed yet). Their
        /// bytes may be read (and rewritten in place) until <see cref="Release"/>.
        /// </summary>
        public int Committed(int max)
        {
            int p = tail;
            int n = 0;
            while (n < max && commits[(p + n) & mask] == unchecked(p + n + 1)) n++;
            if (n > 0) Interlocked.CompareExchange(ref fence, 0, 0); // the marks before the bytes
            return n;
        }

        /// <summary>Reader: where datagram <paramref name="position"/> starts in <see cref="Slab"/>.</summary>
        public int StartOf(int position) { return starts[position & mask]; }

        /// <summary>Reader: the length of datagram <paramref name="position"/>.</summary>
        public int LengthOf(int position) { return lengths[position & mask]; }

        /// <summary>Reader: frees the <paramref name="count"/> oldest datagrams (all committed) for writers.</summary>
        public void Release(int count)
        {
            if (count <= 0) return;
            int last = unchecked(tail + count - 1);
            Interlocked.Exchange(ref byteTail, ends[last & mask]);
            Interlocked.Exchange(ref tail, unchecked(last + 1));
        }
    }
}
