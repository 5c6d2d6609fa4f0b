using System;
using System.Threading;

namespace Librecast
{
    /// <summary>
    /// The datagrams a channel sent recently, kept so that a NACK can be answered with the very
    /// same bytes (librecast 0.6+'s <c>lc_channel_nack_handler</c> log). A ring of preallocated
    /// slots indexed by sequence number: recording copies the datagram into slot seq mod
    /// <see cref="Slots"/>, overwriting whatever was there; nothing is allocated per message.
    /// </summary>
    /// <remarks>
    /// <para>Memory: <see cref="Slots"/> × <see cref="SlotSize"/> bytes of datagrams, plus 28
    /// bytes of bookkeeping per slot, all allocated by the constructor. A datagram larger than a
    /// slot is not logged (counted as <see cref="NackCounter.NotLogged"/>).</para>
    /// <para>Age: a logged datagram older than <see cref="MaxAgeMilliseconds"/> (monotonic clock)
    /// is not returned: the log keeps at most that many seconds and at most Slots messages,
    /// whichever is less.</para>
    /// <para>Concurrency: one writer (the thread that numbers the channel's messages: its
    /// publisher's sender, or <see cref="Channel.SendMessage(byte[], int, int)"/> under its lock)
    /// and one reader (the NACK responder) at a time. Each slot carries a version, odd while the
    /// writer fills it (a seqlock, with nanoFramework's 32-bit <see cref="Interlocked"/>): the
    /// reader copies the slot out and keeps the copy only if the version was even and unchanged,
    /// so neither side ever waits for the other.</para>
    /// </remarks>
    public sealed class NackLog
    {
        private readonly int mask;
        private readonly byte[] data;
        private readonly ulong[] seqs;
        private readonly long[] loggedAt;
        private readonly int[] lengths;
        private readonly int[] versions;

        /// <summary>
        /// A log of the largest power of two of slots of <paramref name="slotSize"/> bytes that fits
        /// in <paramref name="budgetBytes"/>, keeping each datagram up to <paramref name="maxAgeMilliseconds"/>.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">slotSize is not 33..65536 bytes, the budget holds not even one slot or is over 1 GiB, or the age is not positive.</exception>
        public NackLog(int budgetBytes, int slotSize, long maxAgeMilliseconds)
        {
            if (slotSize < Frame.HeaderSize || slotSize > 65536) throw NackOptions.Range("SlotSize", "33..65536", slotSize);
            if (budgetBytes < slotSize || budgetBytes > 1 << 30) throw NackOptions.Range("LogBytes", "SlotSize..2^30", budgetBytes);
            if (maxAgeMilliseconds <= 0) throw NackOptions.Range("Seconds", "> 0", maxAgeMilliseconds);
            int slots = 1;
            while ((long)slots * 2 * slotSize <= budgetBytes && slots < 1 << 20) slots <<= 1;
            mask = slots - 1;
            SlotSize = slotSize;
            MaxAgeMilliseconds = maxAgeMilliseconds;
            data = new byte[slots * slotSize];
            seqs = new ulong[slots];
            loggedAt = new long[slots];
            lengths = new int[slots];
            versions = new int[slots];
        }

        /// <summary>How many datagrams the log holds at most (a power of two).</summary>
        public int Slots { get { return mask + 1; } }

        /// <summary>The largest datagram a slot holds, in bytes.</summary>
        public int SlotSize { get; }

        /// <summary>How long a datagram stays answerable after it was sent, in milliseconds.</summary>
        public long MaxAgeMilliseconds { get; }

        /// <summary>
        /// Logs the datagram <paramref name="buffer"/>[offset, offset+count) sent with sequence number
        /// <paramref name="seq"/> at <paramref name="nowMs"/> (monotonic). Returns false if it is too large for a slot.
        /// The writer's side: one thread at a time.
        /// </summary>
        public bool Record(ulong seq, byte[] buffer, int offset, int count, long nowMs)
        {
            if (count > SlotSize || count < 0) return false;
            int i = (int)(seq & (ulong)mask);
            Interlocked.Increment(ref versions[i]); // odd: being written
            seqs[i] = seq;
            loggedAt[i] = nowMs;
            lengths[i] = count;
            Array.Copy(buffer, offset, data, i * SlotSize, count);
            Interlocked.Increment(ref versions[i]); // even: whole again
            return true;
        }

        /// <summary>
        /// Copies the datagram logged for <paramref name="seq"/> into <paramref name="destination"/>
        /// (at least <see cref="SlotSize"/> bytes from <paramref name="offset"/>) and returns its
        /// length; -1 if the log does not hold it (never sent, overwritten, older than
        /// <see cref="MaxAgeMilliseconds"/>, or being overwritten right now). The reader's side.
        /// </summary>
        public int TryCopy(ulong seq, long nowMs, byte[] destination, int offset)
        {
            if (destination == null) throw new ArgumentNullException("destination");
            if (offset < 0 || offset > destination.Length - SlotSize) throw new ArgumentOutOfRangeException("offset");
            int i = (int)(seq & (ulong)mask);
            int before = Interlocked.CompareExchange(ref versions[i], 0, 0);
            if ((before & 1) != 0) return -1;
            ulong logged = seqs[i];
            long at = loggedAt[i];
            int length = lengths[i];
            if (logged != seq || before == 0 || length < 0 || length > SlotSize) return -1;
            Array.Copy(data, i * SlotSize, destination, offset, length);
            if (Interlocked.CompareExchange(ref versions[i], 0, 0) != before) return -1; // overwritten while copying
            if (nowMs - at > MaxAgeMilliseconds) return -1;
            return length;
        }

        /// <summary>The slot that holds (or held) <paramref name="seq"/>: for per-slot state kept beside the log.</summary>
        public int SlotOf(ulong seq) { return (int)(seq & (ulong)mask); }
    }
}
