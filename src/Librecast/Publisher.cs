using System;
using System.Threading;
using Librecast.Crypto;

namespace Librecast
{
    /// <summary>
    /// The publish hot path of one socket: any thread publishes into preallocated buffers queued on
    /// a lock-free ring; one sender (a thread, or the application calling <see cref="DoWork"/>)
    /// drains the ring in batches to the transport. No allocation, no lock per message.
    /// </summary>
    /// <remarks>
    /// Producers write op, length and payload into a pooled buffer. The sender stamps timestamp,
    /// sequence number and random nonce just before sending: being the only writer of every
    /// channel's sequence, it numbers messages in wire order with no 64-bit atomics (which
    /// nanoFramework lacks). The pool holds exactly as many buffers as the ring has cells, so a
    /// rented buffer always finds a cell; "full" means "no free buffer".
    /// </remarks>
    public sealed class Publisher
    {
        private readonly Socket socket;
        private readonly Context context;
        private readonly ITransport transport;
        private readonly IBatchTransport? batchTransport;
        private readonly IndexRing ring;
        private readonly int[] lengths;
        private readonly Channel?[] channels;
        private readonly bool[] framed;
        private readonly SecretBox?[] boxes; // the channel's key when queued, or null: sealed at send time
        private readonly Batch batch;
        private readonly int[] batchIndex;
        private readonly byte[] randomBlock;
        private readonly IIdleStrategy idle;
        private readonly IIdleStrategy blockIdle;
        private readonly OverflowPolicy policy;
        private Thread? thread;
        private bool running;
        private int draining;

        internal Publisher(Socket socket, Context context, ITransport transport, PublisherOptions options)
        {
            if (options.BatchSize < 1 || options.BatchSize > 1024) throw new ArgumentOutOfRangeException("options", "BatchSize is 1..1024");
            if (options.BufferSize < 64) throw new ArgumentOutOfRangeException("options", "BufferSize is at least 64 bytes");
            this.socket = socket;
            this.context = context;
            this.transport = transport;
            batchTransport = transport as IBatchTransport;
            policy = options.Policy;
            idle = options.Idle ?? new BackoffIdleStrategy(100, 10);
            blockIdle = options.BlockIdle ?? new YieldingIdleStrategy();
            long bytes = (long)options.Capacity * options.BufferSize;
            byte[]? slab = batchTransport != null && bytes > 0 && bytes <= 1L << 30 ? batchTransport.AllocateSlab((int)bytes) : null;
            Pool = new BufferPool(options.Capacity, options.BufferSize, slab);
            ring = new IndexRing(options.Capacity);
            lengths = new int[options.Capacity];
            channels = new Channel?[options.Capacity];
            framed = new bool[options.Capacity];
            boxes = new SecretBox?[options.Capacity];
            batch = new Batch(Pool.Slab, options.BatchSize);
            batchIndex = new int[options.BatchSize];
            randomBlock = new byte[8 * options.BatchSize];
        }

        /// <summary>The preallocated buffers.</summary>
        public BufferPool Pool { get; }

        /// <summary>The overflow policy chosen at start.</summary>
        public OverflowPolicy Policy { get { return policy; } }

        /// <summary>Messages queued and not yet sent.</summary>
        public int Queued { get { return ring.Count; } }

        /// <summary>Largest payload a framed message can have with these buffers (40 bytes less on an encrypted channel).</summary>
        public int MaxPayload { get { return Pool.BufferSize - Frame.HeaderSize; } }

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
            if (channel.HasToken) throw new LibrecastException("a restricted channel (token) is sent directly, not through the publisher");
            SecretBox? box = channel.PublisherBox;
            int room = (frame ? MaxPayload : Pool.BufferSize) - (box == null ? 0 : SecretBox.Overhead);
            if (count > room)
                throw new ArgumentOutOfRangeException("count", "payload of " + count + " bytes exceeds the " + room +
                    " bytes a message can carry in the publisher's " + Pool.BufferSize + "-byte buffers" + (box == null ? "" : " when encrypted"));
            int index;
            if (!Acquire(overflow, out index))
            {
                context.Counters.Increment(Counter.Dropped);
                return false;
            }
            // Encrypted: the message goes after the MAC's room, to be sealed in place at send time.
            lengths[index] = FrameStamper.Prepare(Pool.Slab, FrameStamper.PlainStart(Pool.OffsetOf(index), box), frame, op, payload, offset, count);
            channels[index] = channel;
            framed[index] = frame;
            boxes[index] = box;
            ring.TryEnqueue(index); // cannot fail: the ring has a cell for every buffer
            context.Counters.Increment(Counter.Published);
            return true;
        }

        private bool Acquire(OverflowPolicy overflow, out int index)
        {
            if (Pool.TryRent(out index)) return true;
            switch (overflow)
            {
                case OverflowPolicy.DropWrite:
                    return false;
                case OverflowPolicy.DropOldest:
                    // Take the oldest queued message's buffer for the new one. If the sender holds
                    // them all right now, it returns them within one batch: wait for either.
                    while (true)
                    {
                        if (ring.TryDequeue(out index))
                        {
                            channels[index] = null;
                            context.Counters.Increment(Counter.Dropped);
                            return true;
                        }
                        if (Pool.TryRent(out index)) return true;
                        Thread.Sleep(0);
                    }
                default:
                    // Block: wait with BlockIdle between tries (the sender frees a batch at a
                    // time), or drain the ring itself when nobody else will. Not the sender's
                    // strategy: see PublisherOptions.BlockIdle for why.
                    while (!Pool.TryRent(out index))
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
            int n = 0;
            int capacity = batch.Capacity;
            int got;
            while (n < capacity && (got = ring.TryDequeueMany(batchIndex, n, capacity - n)) > 0) n += got;
            if (n == 0) return 0;

            context.Platform.FillRandom(randomBlock, 0, 8 * n);
            // An unbound socket on the 0.9+ wire sends each message once per interface, the same
            // bytes: those messages are stamped first, into slots [0, fanned), and the batch range
            // goes out once per interface; the rest follow in [fanned, n) and go once. A channel is
            // wholly in one range, so its messages keep their order.
            int[] via = socket.UnboundInterfaces();
            int fanned = 0;
            if (via.Length > 0)
            {
                for (int i = 0; i < n; i++)
                    if (Socket.FansOut(channels[batchIndex[i]]!)) Stamp(batchIndex[i], fanned++);
                int slot = fanned;
                for (int i = 0; i < n; i++)
                    if (!Socket.FansOut(channels[batchIndex[i]]!)) Stamp(batchIndex[i], slot++);
            }
            else
                for (int i = 0; i < n; i++) Stamp(batchIndex[i], i);

            int sent = 0, failed = 0;
            for (int k = 0; fanned > 0 && k < via.Length; k++) SendRange(0, fanned, via[k], ref sent, ref failed);
            if (fanned < n) SendRange(fanned, n, 0, ref sent, ref failed);
            batch.Interface = 0;
            for (int i = 0; i < n; i++)
            {
                channels[batchIndex[i]] = null;
                boxes[batchIndex[i]] = null;
                batch.Channels[i] = null!;
            }
            Pool.ReturnMany(batchIndex, n);
            context.Counters.Add(Counter.Sent, sent);
            context.Counters.Add(Counter.SendErrors, failed);
            return n;
        }

        // Frames ring buffer `index` (its clock reading, next sequence number, rnd of slot) into batch slot `slot`.
        private void Stamp(int index, int slot)
        {
            IPlatform platform = context.Platform;
            int at = Pool.OffsetOf(index);
            Channel channel = channels[index]!;
            bool isFramed = framed[index];
            // Each message its own clock reading, as librecast stamps them (a vDSO call, ~20 ns).
            ulong seq = isFramed ? channel.NextSequence() : 0;
            ulong now = isFramed ? platform.NowNanoseconds() : 0;
            batch.Offsets[slot] = at;
            batch.Lengths[slot] = FrameStamper.Stamp(Pool.Slab, at, lengths[index], isFramed, now, seq, randomBlock, 8 * slot, boxes[index], platform);
            if (isFramed) channel.LogSent(seq, Pool.Slab, at, batch.Lengths[slot]); // NACK log (ChannelNack.cs)
            batch.Channels[slot] = channel;
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
                    if (byInterface != null) byInterface.SendVia(Pool.Slab, batch.Offsets[i], batch.Lengths[i], c.GroupBytes, 0, c.Port, via);
                    else transport.Send(Pool.Slab, batch.Offsets[i], batch.Lengths[i], c.GroupBytes, 0, c.Port);
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
