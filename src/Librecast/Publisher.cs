using System;
using System.Threading;
using Librecast.Crypto;
using Librecast.Security;

namespace Librecast
{
    /// <summary>
    /// The publish hot path of one socket: producers claim room for a datagram in the socket's
    /// <see cref="SendRing"/>, write it in place and commit; one sender (a thread, or the
    /// application calling <see cref="DoWork"/>) takes the committed datagrams in batches, stamps
    /// them where they lie and hands each run of equal-sized datagrams to one channel to the
    /// transport as one send (UDP GSO on Linux). No allocation, no lock per message, no copy
    /// between the producer's write and the kernel.
    /// </summary>
    /// <remarks>
    /// Producers write op, length and payload (or let an encoder write the payload itself:
    /// <see cref="TryClaim(Channel, Opcode, bool, int, out int, out int)"/>). The sender stamps timestamp, sequence number and rnd just before
    /// sending: being the only writer of every channel's sequence, it numbers messages in wire
    /// order with no 64-bit atomics (which nanoFramework lacks). Per batch, not per message: one
    /// clock reading (every message of a batch carries it), the counters. The rnd of each message
    /// comes from a per-socket generator (SplitMix64) seeded once from the platform's random
    /// bytes, not a system call per message. One writer by default
    /// (<see cref="PublisherOptions.SingleWriter"/>): then claims cost no atomic.
    /// </remarks>
    public sealed class Publisher
    {
        private readonly Socket socket;
        private readonly Context context;
        private readonly ITransport transport;
        private readonly IBatchTransport? batchTransport;
        private readonly SendRing ring;
        private readonly int bufferSize;
        private readonly int[] plainLengths;
        private readonly Channel?[] channels;
        private readonly bool[] framed;
        private readonly SecretBox?[] boxes; // the channel's key when queued, or null: sealed at send time
        private readonly TokenSealer?[] sealers; // a restricted channel's sealer when queued, or null: signed at send time
        private readonly bool[] abandoned; // claimed, then given up (Abandon): released unsent
        private readonly Batch batch;
        private readonly IIdleStrategy idle;
        private readonly IIdleStrategy blockIdle;
        private readonly OverflowPolicy policy;
        private ulong rnd; // SplitMix64 state, seeded from the platform's random bytes
        private ulong batchClock;
        private Thread? thread;
        private bool running;
        private int draining;
        private int evicted; // DropOldest: published messages dropped since the last batch (under draining)

        internal Publisher(Socket socket, Context context, ITransport transport, PublisherOptions options)
        {
            if (options.BatchSize < 1 || options.BatchSize > 1024) throw new ArgumentOutOfRangeException("options", "BatchSize is 1..1024");
            if (options.BufferSize < 64 || options.BufferSize > 65536 || (options.BufferSize & (options.BufferSize - 1)) != 0)
                throw new ArgumentOutOfRangeException("options", "BufferSize is a power of two from 64 to 65536");
            if (options.Capacity < 2 || (options.Capacity & (options.Capacity - 1)) != 0 || (long)options.Capacity * options.BufferSize > 1L << 30)
                throw new ArgumentOutOfRangeException("options", "Capacity is a power of two, at least 2, at most 1 GiB of buffers in all");
            this.socket = socket;
            this.context = context;
            this.transport = transport;
            batchTransport = transport as IBatchTransport;
            policy = options.Policy;
            idle = options.Idle ?? new BackoffIdleStrategy(100, 10);
            blockIdle = options.BlockIdle ?? new YieldingIdleStrategy();
            bufferSize = options.BufferSize;
            int bytes = options.Capacity * options.BufferSize;
            byte[]? slab = batchTransport != null ? batchTransport.AllocateSlab(bytes) : null;
            ring = new SendRing(options.Capacity, bytes, options.BufferSize, slab, options.SingleWriter);
            plainLengths = new int[options.Capacity];
            channels = new Channel?[options.Capacity];
            framed = new bool[options.Capacity];
            boxes = new SecretBox?[options.Capacity];
            sealers = new TokenSealer?[options.Capacity];
            abandoned = new bool[options.Capacity];
            batch = new Batch(ring.Slab, options.BatchSize);
            byte[] seed = new byte[8];
            context.Platform.FillRandom(seed, 0, 8);
            rnd = Frame.ReadUInt64(seed, 0);
        }

        /// <summary>The ring the datagrams are written into.</summary>
        public SendRing Ring { get { return ring; } }

        /// <summary>The overflow policy chosen at start.</summary>
        public OverflowPolicy Policy { get { return policy; } }

        /// <summary>Messages queued and not yet sent.</summary>
        public int Queued { get { return ring.Count; } }

        /// <summary>Largest payload a framed message can have with these buffers (40 bytes less on an encrypted channel, 192 less on a restricted one).</summary>
        public int MaxPayload { get { return bufferSize - Frame.HeaderSize; } }

        /// <summary>
        /// Queues one message for <paramref name="channel"/>: framed (header added, like
        /// <c>lc_msg_send</c>) or raw. Returns false if it was dropped under DropWrite.
        /// </summary>
        public bool Offer(Channel channel, Opcode op, bool frame, byte[] payload, int offset, int count)
        {
            return Offer(channel, op, frame, payload, offset, count, policy);
        }

        internal bool Offer(Channel channel, Opcode op, bool frame, byte[] payload, int offset, int count, OverflowPolicy overflow)
        {
            if (payload == null) throw new ArgumentNullException("payload");
            if (offset < 0 || count < 0 || offset > payload.Length - count) throw new ArgumentOutOfRangeException("count");
            int position, at;
            if (!Claim(channel, op, frame, count, overflow, out position, out at)) return false;
            Array.Copy(payload, offset, ring.Slab, at, count);
            ring.Commit(position);
            return true;
        }

        /// <summary>
        /// Claims room for one message of <paramref name="count"/> payload bytes on
        /// <paramref name="channel"/>, under the publisher's overflow policy: on true, write the
        /// payload at <see cref="Buffer"/>[<paramref name="payloadOffset"/>, + count) (an encoder
        /// writes it there directly), then <see cref="Commit(int)"/> <paramref name="claim"/>. Framed
        /// (<paramref name="frame"/>): the header is written here, with <paramref name="op"/>.
        /// False: dropped (DropWrite, counted). With one writer (the default) the same thread
        /// claims and commits, one claim at a time.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The message does not fit a buffer.</exception>
        public bool TryClaim(Channel channel, Opcode op, bool frame, int count, out int claim, out int payloadOffset)
        {
            return Claim(channel, op, frame, count, policy, out claim, out payloadOffset);
        }

        /// <summary>
        /// As <see cref="TryClaim(Channel, Opcode, bool, int, out int, out int)"/>, under
        /// <paramref name="overflow"/> instead of the publisher's policy (Block: waits for room,
        /// as <see cref="Channel.Send"/> does, and always returns true).
        /// </summary>
        public bool TryClaim(Channel channel, Opcode op, bool frame, int count, OverflowPolicy overflow, out int claim, out int payloadOffset)
        {
            return Claim(channel, op, frame, count, overflow, out claim, out payloadOffset);
        }

        /// <summary>The memory claimed messages are written into (see <see cref="TryClaim(Channel, Opcode, bool, int, out int, out int)"/>).</summary>
        public byte[] Buffer { get { return ring.Slab; } }

        /// <summary>Hands the message claimed as <paramref name="claim"/> to the sender.</summary>
        public void Commit(int claim) { ring.Commit(claim); }

        /// <summary>
        /// Hands the message claimed as <paramref name="claim"/> to the sender with only
        /// <paramref name="count"/> payload bytes, fewer than claimed: for an encoder that learns
        /// its length as it writes (the SenML writer claims the most it may write). A framed
        /// message's length field is rewritten here. The bytes given back are reused at once when
        /// this was the latest claim (always, with one writer), otherwise when the message is sent.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than was claimed.</exception>
        public void Commit(int claim, int count)
        {
            int i = claim & (ring.Capacity - 1);
            bool frame = framed[i];
            int plain = frame ? Frame.HeaderSize + count : count;
            if (count < 0 || plain > plainLengths[i]) throw new ArgumentOutOfRangeException("count", "more than was claimed");
            if (plain < plainLengths[i])
            {
                int start = PayloadStart(ring.StartOf(claim), boxes[i], sealers[i]);
                if (frame) Frame.WriteUInt64(ring.Slab, start + Frame.OffsetLen, (ulong)count);
                plainLengths[i] = plain;
                ring.Shrink(claim, DatagramLength(plain, boxes[i], sealers[i]));
            }
            ring.Commit(claim);
        }

        /// <summary>
        /// Gives up the message claimed as <paramref name="claim"/> (an encoder failed half-way):
        /// the sender frees its room without sending it, numbering it or counting it as published.
        /// Every claim ends in one Commit or one Abandon, or the ring stops at it.
        /// </summary>
        public void Abandon(int claim)
        {
            abandoned[claim & (ring.Capacity - 1)] = true;
            ring.Commit(claim);
        }

        // Where the plaintext of a datagram at `at` starts: after the token's room on a restricted
        // channel, then after the MAC's room on an encrypted one.
        private static int PayloadStart(int at, SecretBox? box, TokenSealer? sealer)
        {
            return FrameStamper.PlainStart(sealer == null ? at : at + Token.Size, box);
        }

        private static int DatagramLength(int plain, SecretBox? box, TokenSealer? sealer)
        {
            int length = box == null ? plain : SecretBox.SealedLength(plain);
            if (sealer != null) length += TokenFilter.Overhead;
            return length == 0 ? 1 : length; // an empty raw datagram still takes a byte of slab
        }

        private bool Claim(Channel channel, Opcode op, bool frame, int count, OverflowPolicy overflow, out int position, out int payloadOffset)
        {
            if (channel == null) throw new ArgumentNullException("channel");
            SecretBox? box = channel.PublisherBox;
            TokenSealer? sealer = channel.TokenSealer; // a restricted channel: token ‖ datagram ‖ signature
            int room = (frame ? MaxPayload : bufferSize) - (box == null ? 0 : SecretBox.Overhead) - (sealer == null ? 0 : TokenFilter.Overhead);
            if (count < 0 || count > room)
                throw new ArgumentOutOfRangeException("count", "payload of " + count + " bytes exceeds the " + room +
                    " bytes a message can carry in the publisher's " + bufferSize + "-byte buffers" +
                    (box == null ? "" : " when encrypted") + (sealer == null ? "" : " with a token"));
            int plain = frame ? Frame.HeaderSize + count : count;
            int at;
            if (!Acquire(DatagramLength(plain, box, sealer), overflow, out position, out at))
            {
                context.Counters.Increment(Counter.Dropped);
                payloadOffset = 0;
                return false;
            }
            // Restricted: the token's room first; encrypted: the MAC's room; the message after
            // them, to be sealed (and signed) in place at send time.
            int start = PayloadStart(at, box, sealer);
            payloadOffset = frame ? FrameStamper.PrepareHeader(ring.Slab, start, op, count) : start;
            int i = position & (ring.Capacity - 1);
            plainLengths[i] = plain;
            // Reference stores only when they change (a GC write barrier each otherwise): a cell
            // keeps its last channel after sending, its box and sealer are cleared (see Drain).
            if (channels[i] != channel) channels[i] = channel;
            framed[i] = frame;
            if (box != null) boxes[i] = box;
            if (sealer != null) sealers[i] = sealer;
            return true;
        }

        private bool Acquire(int length, OverflowPolicy overflow, out int position, out int at)
        {
            if (ring.TryClaim(length, out position, out at)) return true;
            switch (overflow)
            {
                case OverflowPolicy.DropWrite:
                    return false;
                case OverflowPolicy.DropOldest:
                    // Drop the oldest committed message to make room. If the sender is sending
                    // right now, it frees a batch within one send: wait for either.
                    while (true)
                    {
                        if (Interlocked.CompareExchange(ref draining, 1, 0) == 0)
                        {
                            try
                            {
                                if (ring.Committed(1) == 1)
                                {
                                    int i = ring.Tail & (ring.Capacity - 1);
                                    boxes[i] = null;
                                    sealers[i] = null;
                                    if (abandoned[i]) abandoned[i] = false; // never published: not counted
                                    else
                                    {
                                        evicted++;
                                        context.Counters.Increment(Counter.Dropped);
                                    }
                                    ring.Release(1);
                                }
                            }
                            finally
                            {
                                Interlocked.Exchange(ref draining, 0);
                            }
                        }
                        if (ring.TryClaim(length, out position, out at)) return true;
                        Thread.Sleep(0);
                    }
                default:
                    // Block: wait with BlockIdle between tries (the sender frees a batch at a
                    // time), or drain the ring itself when nobody else will. Not the sender's
                    // strategy: see PublisherOptions.BlockIdle for why.
                    while (!ring.TryClaim(length, out position, out at))
                    {
                        if (!running && draining == 0 && thread == null) DoWork();
                        else blockIdle.Idle(0);
                    }
                    return true;
            }
        }

        /// <summary>
        /// Sends up to one batch of queued messages; returns how many were taken off the ring.
        /// Call it in a loop if the publisher was started without a thread.
        /// </summary>
        public int DoWork()
        {
            // One drainer at a time: DoWork may be called by the sender thread, by the
            // application, or by a blocked producer with no sender.
            if (Interlocked.CompareExchange(ref draining, 1, 0) != 0) return 0;
            try
            {
                return Drain();
            }
            finally
            {
                Interlocked.Exchange(ref draining, 0);
            }
        }

        private int Drain()
        {
            int first = ring.Tail;
            int n = ring.Committed(batch.Capacity);
            int dropped = evicted;
            evicted = 0;
            if (n == 0)
            {
                if (dropped > 0) context.Counters.Add(Counter.Published, dropped);
                return 0;
            }
            // One clock reading per batch: every message of it was published before this instant.
            batchClock = context.Platform.NowNanoseconds();
            // An unbound socket on the 0.9+ wire sends each message once per interface, the same
            // bytes: those messages are stamped first, into slots [0, fanned), and the batch range
            // goes out once per interface; the rest follow in [fanned, n) and go once. A channel is
            // wholly in one range, so its messages keep their order.
            int[] via = socket.UnboundInterfaces();
            int fanned = 0, slots = 0;
            int m = ring.Capacity - 1;
            skipped = 0;
            unpublished = 0;
            if (via.Length > 0)
            {
                for (int i = 0; i < n; i++)
                    if (Socket.FansOut(channels[(first + i) & m]!) && Stamp(first + i, fanned)) fanned++;
                slots = fanned;
                for (int i = 0; i < n; i++)
                    if (!Socket.FansOut(channels[(first + i) & m]!) && Stamp(first + i, slots)) slots++;
            }
            else
                for (int i = 0; i < n; i++)
                    if (Stamp(first + i, slots)) slots++;

            int sent = 0, failed = 0;
            for (int k = 0; fanned > 0 && k < via.Length; k++) SendRange(0, fanned, via[k], ref sent, ref failed);
            if (fanned < slots) SendRange(fanned, slots, 0, ref sent, ref failed);
            batch.Interface = 0;
            ring.Release(n);
            context.Counters.Add(Counter.Published, n - unpublished + dropped);
            context.Counters.Add(Counter.Sent, sent);
            context.Counters.Add(Counter.SendErrors, failed);
            if (skipped > unpublished) context.Counters.Add(Counter.Dropped, skipped - unpublished);
            return n;
        }

        private int skipped;     // this batch: messages not sent (abandoned, or their token was cleared)
        private int unpublished; // of those, abandoned claims (never published)

        // Frames ring datagram `position` (the batch's clock reading, its channel's next sequence
        // number, the next rnd) into batch slot `slot`, in place, sealing (SYMM) and signing
        // (token) it there. False: not sent (abandoned, or its channel's token cleared since).
        // Keys and sealers do not outlive their messages here; channels stay (the socket holds them).
        private bool Stamp(int position, int slot)
        {
            int i = position & (ring.Capacity - 1);
            if (abandoned[i])
            {
                abandoned[i] = false;
                if (boxes[i] != null) boxes[i] = null;
                if (sealers[i] != null) sealers[i] = null;
                skipped++;
                unpublished++;
                return false;
            }
            TokenSealer? sealer = sealers[i];
            if (sealer == null) return StampCore(i, ring.StartOf(position), slot);
            sealers[i] = null;
            lock (sealer) // the direct path (NACK resends) and Wipe use it too
            {
                if (sealer.Wiped)
                {
                    // SetToken/ClearToken since it was queued: not sent unsigned, not numbered.
                    if (boxes[i] != null) boxes[i] = null;
                    skipped++;
                    return false;
                }
                int at = ring.StartOf(position);
                StampCore(i, at + Token.Size, slot);
                batch.Offsets[slot] = at;
                batch.Lengths[slot] = sealer.SealInPlace(ring.Slab, at, batch.Lengths[slot]);
                return true;
            }
        }

        // Stamps (and, with a key, seals) the datagram of cell i that starts at `at` (after the
        // token's room on a restricted channel) into batch slot `slot`.
        private bool StampCore(int i, int at, int slot)
        {
            Channel channel = channels[i]!;
            bool isFramed = framed[i];
            SecretBox? box = boxes[i];
            ulong seq = 0, r = 0;
            if (isFramed)
            {
                seq = channel.NextSequence();
                // SplitMix64 (Steele, Lea, Flood 2014): one add, two multiplies, three shifts.
                ulong z = rnd += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                r = z ^ (z >> 31);
            }
            int length = FrameStamper.Stamp(ring.Slab, at, plainLengths[i], isFramed, batchClock, seq, r, box, context.Platform);
            if (box != null) boxes[i] = null;
            batch.Offsets[slot] = at;
            batch.Lengths[slot] = length;
            // NACK log (ChannelNack.cs): the datagram before the token, as the direct path logs it.
            if (isFramed) channel.LogSent(seq, ring.Slab, at, length);
            if (batch.Channels[slot] != channel) batch.Channels[slot] = channel;
            return true;
        }

        // Sends batch slots [from, to) out of interface `via` (0: the socket's choice). A datagram
        // that fails is dropped, counted in `failed` and reported; the rest still go.
        private void SendRange(int from, int to, int via, ref int sent, ref int failed)
        {
            batch.Count = to;
            batch.Interface = via;
            if (batchTransport != null)
            {
                int next = from;
                while (next < to)
                {
                    try
                    {
                        batch.GsoFallbacks = 0;
                        int k = batchTransport.SendBatch(batch, next);
                        next += k;
                        sent += k;
                        context.Counters.Add(Counter.GsoFallbacks, batch.GsoFallbacks);
                    }
                    catch (LibrecastException e)
                    {
                        failed++;
                        next++; // the datagram that failed is dropped, counted and reported
                        socket.ReportSendError(e);
                    }
                }
                return;
            }
            IInterfaceSend? byInterface = via == 0 ? null : transport as IInterfaceSend;
            for (int i = from; i < to; i++)
            {
                Channel c = batch.Channels[i];
                try
                {
                    if (byInterface != null) byInterface.SendVia(ring.Slab, batch.Offsets[i], batch.Lengths[i], c.GroupBytes, 0, c.Port, via);
                    else transport.Send(ring.Slab, batch.Offsets[i], batch.Lengths[i], c.GroupBytes, 0, c.Port);
                    sent++;
                }
                catch (LibrecastException e)
                {
                    failed++;
                    socket.ReportSendError(e);
                }
            }
        }

        internal void Start()
        {
            running = true;
            Thread t = new Thread(Run);
            thread = t;
            t.Start();
        }

        private void Run()
        {
            while (running) idle.Idle(DoWork());
            while (DoWork() > 0) { } // drain what was queued before the stop
        }

        /// <summary>Stops the sender thread after it has sent everything queued so far.</summary>
        internal void Stop()
        {
            running = false;
            Thread? t = thread;
            thread = null;
            if (t != null && t != Thread.CurrentThread) t.Join();
            else while (DoWork() > 0) { }
        }
    }
}
