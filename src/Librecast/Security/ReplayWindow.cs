using System;

namespace Librecast.Security
{

    /// <summary>
    /// Replay and loss detection for framed messages, per (sender, channel): a sliding window over
    /// librecast's 64-bit seq plus a timestamp freshness bound. Classifies each message as
    /// <see cref="ReplayVerdict"/> and counts what it saw. Preallocated, bounded, allocation-free.
    /// </summary>
    /// <remarks>
    /// <para><b>Sender.</b> librecast frames carry no sender identity, so a sender is its source
    /// address and UDP port as the network reports them, plus a channel id the caller chooses (for
    /// example an index per channel; 0 when one window serves one channel). librecast sends from
    /// port 4242, so two senders behind one address are one sender here. Source addresses are not
    /// authenticated: see docs/security.md for what that allows.</para>
    /// <para><b>Window.</b> Per sender: the highest seq accepted, H, and a bitmap of the
    /// <see cref="WindowSize"/> seqs H-W+1..H. A seq above H is New (the seqs skipped are counted
    /// lost); one inside the window not seen before is Reordered (one lost fewer); one seen is a
    /// Duplicate; one at or below H-W, or below the first seq seen from this sender, is TooOld.
    /// The bitmap is a ring of 64-bit words indexed by seq/64 (RFC 6479), so advancing clears whole
    /// words instead of shifting: W/64+1 words per sender.</para>
    /// <para><b>Lost.</b> Always equals, summed over senders, the seqs between a sender's first
    /// accepted seq and its highest that were never accepted (late arrivals rejected as TooOld stay
    /// lost), except the seqs skipped by a jump. Seqs before the first one seen, and after the last,
    /// are not known to exist and are not counted. A jump is a New seq more than
    /// <see cref="MaxCountedGap"/> above the sender's highest: no real sender loses that many in a
    /// row, but one forged seq can claim up to 2^64, so a jump is counted once in
    /// <see cref="Jumps"/> and its gap is not added to Lost (nor taken off when a skipped seq
    /// arrives late). The message itself is still New, so the restart rule below brings the real
    /// sender back. Lost therefore grows by at most MaxCountedGap per message.</para>
    /// <para><b>Restart.</b> A restarted sender starts again at seq 1, below its window. When a
    /// message would be rejected as Duplicate or TooOld but its timestamp is newer than every
    /// timestamp accepted from that sender, it is taken as a restart: verdict Restarted, the window
    /// starts again at this seq, and anything stamped at or before the old session's newest
    /// timestamp is TooOld from then on (so the old session cannot be replayed into the new one).
    /// A replay carries its original timestamp, so it cannot pass as a restart; without encryption
    /// anyone can forge a timestamp, so this, like the window itself, only means something on an
    /// encrypted channel. The same rule recovers a window pushed to a huge seq by a forged message.
    /// Messages without timestamps (0) never count as a restart.</para>
    /// <para><b>Freshness.</b> A timestamp more than <c>maxAge</c> before <c>now</c>, or more than
    /// <c>maxFuture</c> after it, is Stale and touches no sender state; 0 turns either bound off.</para>
    /// <para><b>Bounded.</b> At most <see cref="Capacity"/> senders. A new sender arriving when the
    /// table is full evicts the least recently seen one (counted in <see cref="Evictions"/>); an
    /// evicted sender that comes back is a new sender, with a new window.</para>
    /// <para>Not thread-safe: one receive loop owns it. Counters are plain 64-bit fields; another
    /// thread reading them on a 32-bit device may see a torn value.</para>
    /// </remarks>
    public sealed class ReplayWindow
    {
        /// <summary>Size of a sender address in bytes (IPv6; IPv4 senders use the IPv4-mapped form).</summary>
        public const int AddressSize = 16;

        /// <summary>Window used by <see cref="ReplayWindow(int)"/>: 128 seqs.</summary>
        public const int DefaultWindowSize = 128;

        /// <summary>Largest window the constructor accepts.</summary>
        public const int MaxWindowSize = 4096;

        /// <summary>
        /// Largest gap one New message may add to <see cref="Lost"/>: 2^24 (16,777,216) seqs. A bigger
        /// jump is counted in <see cref="Jumps"/> instead.
        /// </summary>
        /// <remarks>
        /// librecast's seq goes up by one per message sent, so a real gap is an outage: 2^24 messages
        /// is more than 46 hours at 100 messages a second, far longer than a receiver keeps a sender
        /// anyway. A forged seq is anywhere in 2^64 and lands within 2^24 of the real one with odds of
        /// 2^-40; without the cap one such datagram pins Lost at <see cref="long.MaxValue"/>, with it
        /// saturating Lost takes 2^39 of them.
        /// </remarks>
        public const long MaxCountedGap = 1L << 24;

        private readonly int capacity;
        private readonly int windowSize;
        private readonly int words;
        private readonly ulong maxAge;
        private readonly ulong maxFuture;

        // Per-sender state, struct-of-arrays, index = entry.
        private readonly byte[] addresses;
        private readonly int[] ports;
        private readonly int[] channels;
        private readonly ulong[] highest;
        private readonly ulong[] firstSeq;
        private readonly ulong[] countedFrom;   // a seq above this one that arrives late was counted lost
        private readonly ulong[] maxTimestamp;
        private readonly ulong[] floorTimestamp;
        private readonly long[] lastUse;
        private readonly ulong[] bitmap;
        private readonly int[] next;

        private readonly int[] buckets;
        private readonly int bucketMask;
        private readonly int[] freeList;
        private int freeCount;
        private int senders;
        private long clock;

        private long newCount, reordered, restarts, duplicates, tooOld, stale, lost, jumps, evictions, sendersSeen;

        /// <summary>A window of <see cref="DefaultWindowSize"/> seqs for up to <paramref name="capacity"/> senders, no freshness bound.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1 or more than 1,048,576.</exception>
        public ReplayWindow(int capacity) : this(capacity, DefaultWindowSize, 0, 0)
        {
        }

        /// <summary>Creates the table for up to <paramref name="capacity"/> senders, all memory allocated here.</summary>
        /// <param name="capacity">Most senders tracked at once (1..1,048,576).</param>
        /// <param name="windowSize">How far behind the highest seq a message may arrive and still be accepted: a multiple of 64, 64..4096.</param>
        /// <param name="maxAgeNanoseconds">Timestamps older than now minus this are Stale; 0 = no bound.</param>
        /// <param name="maxFutureNanoseconds">Timestamps later than now plus this are Stale (clock skew allowance); 0 = no bound.</param>
        /// <exception cref="ArgumentOutOfRangeException">A size is outside the range above.</exception>
        public ReplayWindow(int capacity, int windowSize, ulong maxAgeNanoseconds, ulong maxFutureNanoseconds)
        {
            if (capacity < 1 || capacity > 1 << 20)
                throw new ArgumentOutOfRangeException("capacity", "between 1 and 1048576 senders; got " + capacity);
            if (windowSize < 64 || windowSize > MaxWindowSize || windowSize % 64 != 0)
                throw new ArgumentOutOfRangeException("windowSize", "a multiple of 64 from 64 to " + MaxWindowSize + "; got " + windowSize);
            this.capacity = capacity;
            this.windowSize = windowSize;
            words = windowSize / 64 + 1;
            maxAge = maxAgeNanoseconds;
            maxFuture = maxFutureNanoseconds;

            addresses = new byte[capacity * AddressSize];
            ports = new int[capacity];
            channels = new int[capacity];
            highest = new ulong[capacity];
            firstSeq = new ulong[capacity];
            countedFrom = new ulong[capacity];
            maxTimestamp = new ulong[capacity];
            floorTimestamp = new ulong[capacity];
            lastUse = new long[capacity];
            bitmap = new ulong[capacity * words];
            next = new int[capacity];

            int b = 1;
            while (b < capacity) b <<= 1;
            buckets = new int[b];
            bucketMask = b - 1;
            freeList = new int[capacity];
            Clear();
        }

        /// <summary>Most senders tracked at once.</summary>
        public int Capacity { get { return capacity; } }

        /// <summary>How many seqs behind the highest one a message is still accepted.</summary>
        public int WindowSize { get { return windowSize; } }

        /// <summary>Senders tracked now.</summary>
        public int Senders { get { return senders; } }

        /// <summary>Messages accepted as <see cref="ReplayVerdict.New"/> (including each sender's first).</summary>
        public long New { get { return newCount; } }

        /// <summary>Messages accepted as <see cref="ReplayVerdict.Reordered"/>: arrived late, inside the window.</summary>
        public long Reordered { get { return reordered; } }

        /// <summary>Sender restarts recognised (<see cref="ReplayVerdict.Restarted"/>).</summary>
        public long Restarts { get { return restarts; } }

        /// <summary>Messages rejected as <see cref="ReplayVerdict.Duplicate"/>: replays or network duplicates.</summary>
        public long Duplicates { get { return duplicates; } }

        /// <summary>Messages rejected as <see cref="ReplayVerdict.TooOld"/>.</summary>
        public long TooOld { get { return tooOld; } }

        /// <summary>Messages rejected as <see cref="ReplayVerdict.Stale"/> by the freshness bound.</summary>
        public long Stale { get { return stale; } }

        /// <summary>Seqs skipped over and not (yet) filled by a late arrival: messages lost, as far as the window can tell.</summary>
        public long Lost { get { return lost; } }

        /// <summary>New messages more than <see cref="MaxCountedGap"/> seqs above their sender's highest: their gap is not in <see cref="Lost"/>.</summary>
        public long Jumps { get { return jumps; } }

        /// <summary>Senders dropped from a full table to make room for a new one.</summary>
        public long Evictions { get { return evictions; } }

        /// <summary>Senders ever added to the table (first message, or first after an eviction or Forget).</summary>
        public long SendersSeen { get { return sendersSeen; } }

        /// <summary>Messages accepted (New + Reordered + Restarts).</summary>
        public long Accepted { get { return newCount + reordered + restarts; } }

        /// <summary>Messages rejected (Duplicates + TooOld + Stale).</summary>
        public long Rejected { get { return duplicates + tooOld + stale; } }

        /// <summary>True for the verdicts that let the message through: New, Reordered, Restarted.</summary>
        public static bool IsAccepted(ReplayVerdict verdict)
        {
            return verdict == ReplayVerdict.New || verdict == ReplayVerdict.Reordered || verdict == ReplayVerdict.Restarted;
        }

        /// <summary>
        /// Classifies message <paramref name="seq"/> stamped <paramref name="timestamp"/> from the sender
        /// at <paramref name="source"/>[sourceOffset..+16), <paramref name="sourcePort"/>, on
        /// <paramref name="channelId"/>, at local time <paramref name="now"/>; records it when accepted.
        /// </summary>
        /// <remarks>Never throws for any seq, timestamp or time: only for a null or too short address array.</remarks>
        /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">Fewer than 16 bytes at <paramref name="sourceOffset"/>.</exception>
        public ReplayVerdict Check(byte[] source, int sourceOffset, int sourcePort, int channelId, ulong seq, ulong timestamp, ulong now)
        {
            CheckAddress(source, sourceOffset);
            if ((maxAge != 0 && now > timestamp && now - timestamp > maxAge) ||
                (maxFuture != 0 && timestamp > now && timestamp - now > maxFuture))
            {
                stale++;
                return ReplayVerdict.Stale;
            }

            int e = Find(source, sourceOffset, sourcePort, channelId);
            if (e < 0)
            {
                e = Add(source, sourceOffset, sourcePort, channelId);
                Start(e, seq, timestamp, 0);
                newCount++;
                return ReplayVerdict.New;
            }
            lastUse[e] = ++clock;

            if (floorTimestamp[e] != 0 && timestamp <= floorTimestamp[e])
            {
                // Stamped before the restart we saw: the old session, replayed or very late.
                tooOld++;
                return ReplayVerdict.TooOld;
            }

            ulong h = highest[e];
            if (seq > h)
            {
                Advance(e, h, seq);
                ulong gap = seq - h - 1;
                if (gap > (ulong)MaxCountedGap)
                {
                    // Not a credible loss: count the jump, and let late arrivals from below it fill nothing.
                    jumps++;
                    countedFrom[e] = seq;
                }
                else AddLost(gap);
                if (timestamp > maxTimestamp[e]) maxTimestamp[e] = timestamp;
                newCount++;
                return ReplayVerdict.New;
            }

            ReplayVerdict rejection = ReplayVerdict.TooOld;
            if (seq >= firstSeq[e] && h - seq < (ulong)windowSize)
            {
                int word = e * words + (int)((seq >> 6) % (ulong)words);
                ulong bit = 1UL << (int)(seq & 63);
                if ((bitmap[word] & bit) == 0)
                {
                    bitmap[word] |= bit;
                    if (seq > countedFrom[e] && lost != long.MaxValue) lost--;
                    if (timestamp > maxTimestamp[e]) maxTimestamp[e] = timestamp;
                    reordered++;
                    return ReplayVerdict.Reordered;
                }
                rejection = ReplayVerdict.Duplicate;
            }

            if (timestamp > maxTimestamp[e])
            {
                Start(e, seq, timestamp, maxTimestamp[e]);
                restarts++;
                return ReplayVerdict.Restarted;
            }
            if (rejection == ReplayVerdict.Duplicate) duplicates++;
            else tooOld++;
            return rejection;
        }

        /// <summary>Stops tracking one sender; its next message starts a new window. Returns false if it was not tracked.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">Fewer than 16 bytes at <paramref name="sourceOffset"/>.</exception>
        public bool Forget(byte[] source, int sourceOffset, int sourcePort, int channelId)
        {
            CheckAddress(source, sourceOffset);
            int e = Find(source, sourceOffset, sourcePort, channelId);
            if (e < 0) return false;
            Remove(e);
            return true;
        }

        /// <summary>Forgets every sender (the counters keep their values).</summary>
        public void Clear()
        {
            for (int i = 0; i < buckets.Length; i++) buckets[i] = -1;
            // Free list handed out from the top: entry 0 first, which keeps tests readable.
            for (int i = 0; i < capacity; i++) freeList[i] = capacity - 1 - i;
            freeCount = capacity;
            senders = 0;
        }

        /// <summary>One line for logs: <c>new=.. reordered=.. restarts=.. duplicates=.. too_old=.. stale=.. lost=.. jumps=.. evictions=.. senders=..</c>.</summary>
        public override string ToString()
        {
            return "new=" + newCount + " reordered=" + reordered + " restarts=" + restarts + " duplicates=" + duplicates +
                   " too_old=" + tooOld + " stale=" + stale + " lost=" + lost + " jumps=" + jumps + " evictions=" + evictions + " senders=" + senders;
        }

        private static void CheckAddress(byte[] source, int sourceOffset)
        {
            if (source == null) throw new ArgumentNullException("source");
            if (sourceOffset < 0 || sourceOffset > source.Length - AddressSize)
                throw new ArgumentOutOfRangeException("sourceOffset", "a sender address is 16 bytes (IPv6 or IPv4-mapped)");
        }

        private void AddLost(ulong gap)
        {
            if (gap >= (ulong)(long.MaxValue - lost)) lost = long.MaxValue;
            else lost += (long)gap;
        }

        // A window that has seen only `seq`, for a new sender or a restarted one.
        private void Start(int e, ulong seq, ulong timestamp, ulong floor)
        {
            highest[e] = seq;
            firstSeq[e] = seq;
            countedFrom[e] = seq;
            maxTimestamp[e] = timestamp;
            floorTimestamp[e] = floor;
            int b = e * words;
            for (int i = 0; i < words; i++) bitmap[b + i] = 0;
            bitmap[b + (int)((seq >> 6) % (ulong)words)] = 1UL << (int)(seq & 63);
        }

        // Moves H from `h` up to `seq`: the words of the blocks after h's block up to seq's block
        // are cleared (they held seqs that are now below the window), then seq is marked.
        private void Advance(int e, ulong h, ulong seq)
        {
            int b = e * words;
            ulong fromBlock = h >> 6, toBlock = seq >> 6;
            if (toBlock - fromBlock >= (ulong)words)
            {
                for (int i = 0; i < words; i++) bitmap[b + i] = 0;
            }
            else
            {
                for (ulong blk = fromBlock + 1; blk <= toBlock; blk++) bitmap[b + (int)(blk % (ulong)words)] = 0;
            }
            bitmap[b + (int)(toBlock % (ulong)words)] |= 1UL << (int)(seq & 63);
            highest[e] = seq;
        }

        private int Bucket(byte[] source, int offset, int port, int channelId)
        {
            // FNV-1a: cheap and good enough for a bounded table (a chain is never longer than Capacity).
            uint hash = 2166136261;
            for (int i = 0; i < AddressSize; i++) hash = (hash ^ source[offset + i]) * 16777619;
            hash = (hash ^ (uint)port) * 16777619;
            hash = (hash ^ (uint)channelId) * 16777619;
            return (int)(hash ^ (hash >> 16)) & bucketMask;
        }

        private int Find(byte[] source, int offset, int port, int channelId)
        {
            for (int e = buckets[Bucket(source, offset, port, channelId)]; e >= 0; e = next[e])
            {
                if (ports[e] != port || channels[e] != channelId) continue;
                int a = e * AddressSize;
                bool same = true;
                for (int i = 0; i < AddressSize; i++)
                {
                    if (addresses[a + i] != source[offset + i]) { same = false; break; }
                }
                if (same) return e;
            }
            return -1;
        }

        private int Add(byte[] source, int offset, int port, int channelId)
        {
            if (freeCount == 0)
            {
                // Full: evict the least recently seen sender. A linear scan, but only on this path.
                int oldest = 0;
                for (int i = 1; i < capacity; i++)
                {
                    if (lastUse[i] < lastUse[oldest]) oldest = i;
                }
                Remove(oldest);
                evictions++;
            }
            int e = freeList[--freeCount];
            Array.Copy(source, offset, addresses, e * AddressSize, AddressSize);
            ports[e] = port;
            channels[e] = channelId;
            lastUse[e] = ++clock;
            int bucket = Bucket(source, offset, port, channelId);
            next[e] = buckets[bucket];
            buckets[bucket] = e;
            senders++;
            sendersSeen++;
            return e;
        }

        private void Remove(int e)
        {
            int bucket = Bucket(addresses, e * AddressSize, ports[e], channels[e]);
            if (buckets[bucket] == e)
            {
                buckets[bucket] = next[e];
            }
            else
            {
                int p = buckets[bucket];
                while (next[p] != e) p = next[p];
                next[p] = next[e];
            }
            next[e] = -1;
            freeList[freeCount++] = e;
            senders--;
        }
    }
}
