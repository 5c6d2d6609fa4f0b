using System;
using System.Threading;

namespace Librecast
{
    /// <summary>
    /// A listener's receive hot path on a batching transport. The reader takes many datagrams per
    /// call into pooled buffers; each buffer's metadata is written by the transport straight into
    /// the <see cref="DatagramInfo"/> kept for that buffer, which the handler's message then points
    /// at (written once, never copied). A buffer the kernel filled with several coalesced datagrams
    /// (UDP GRO) is split where it lies: every datagram is classified, counted and dispatched on
    /// its own. Single-thread mode: the reader dispatches itself. Two-thread mode: the reader
    /// queues buffer indices on a lock-free ring and a dispatcher thread drains it; a full pool
    /// makes the reader wait (the kernel's buffer absorbs the burst; what it then drops is
    /// counted as KernelDrops).
    /// </summary>
    internal sealed class BatchedListener
    {
        /// <summary>How often a listener wakes to notice cancellation.</summary>
        internal const int PollMs = 100;

        private readonly Socket socket;
        private readonly IBatchTransport transport;
        private readonly Counters counters;
        private readonly BufferPool pool;
        private readonly IndexRing ring;
        private readonly int[] lengths;
        private readonly DatagramInfo[] infos;
        private readonly Batch batch;
        private readonly int[] rented;
        private int held; // buffers rented by the last ReadOnce that received nothing into them
        private readonly IIdleStrategy idle;
        private readonly Message message;
        private readonly MessageHandler onMessage;
        private readonly MessageHandler? onRejected;
        private readonly ErrorHandler? onError;
        private readonly BatchHandler? afterBatch;
        private readonly bool framed;
        private int readerDone;

        public BatchedListener(Socket socket, IBatchTransport transport, Counters counters, ListenOptions options,
            MessageHandler onMessage, MessageHandler? onRejected, ErrorHandler? onError)
        {
            if (options.BatchSize < 1 || options.BatchSize > 1024) throw new ArgumentOutOfRangeException("options", "BatchSize is 1..1024");
            this.socket = socket;
            this.transport = transport;
            this.counters = counters;
            this.onMessage = onMessage;
            this.onRejected = onRejected;
            this.onError = onError;
            afterBatch = options.AfterBatch;
            framed = options.Framed;
            message = new Message(Frame.HeaderSize);
            bool gro = options.Gro && transport.TryEnableGro();
            int size = 64;
            int wanted = gro && options.MessageCapacity < 65536 ? 65536 : options.MessageCapacity;
            while (size < wanted) size <<= 1;
            int capacity = 1024;
            while (capacity > 256 && (long)capacity * size > options.PoolBytes) capacity >>= 1;
            pool = new BufferPool(capacity, size, transport.AllocateSlab(capacity * size));
            ring = new IndexRing(capacity);
            lengths = new int[capacity];
            infos = new DatagramInfo[capacity];
            for (int i = 0; i < capacity; i++) infos[i] = new DatagramInfo();
            int batchSize = options.BatchSize < capacity ? options.BatchSize : capacity;
            batch = new Batch(pool.Slab, batchSize);
            rented = new int[batchSize];
            idle = options.Idle ?? new BackoffIdleStrategy(200, 20);
            // Once now: the first call binds the platform's system call, which allocates; later
            // it runs on every quiet poll of the receive thread, which must not.
            transport.ReadKernelDrops();
        }

        /// <summary>Two-thread mode, the reader: receive and queue until the socket stops listening.</summary>
        public void ReadLoop()
        {
            while (socket.IsListening)
            {
                if (ReadOnce() < 0) Thread.Sleep(0); // the dispatcher holds every buffer: let it catch up
            }
            Finish();
        }

        /// <summary>Two-thread mode, the dispatcher: keeps going after cancel until the reader has stopped and the ring is empty.</summary>
        public void DispatchLoop()
        {
            while (Interlocked.CompareExchange(ref readerDone, 0, 0) == 0 || ring.Count > 0)
            {
                int done = DispatchQueued();
                if (done == 0) idle.Idle(0);
                else
                {
                    idle.Reset();
                    if (afterBatch != null) afterBatch(done);
                }
            }
        }

        /// <summary>Single-thread mode: receive a batch, dispatch it, again; everything received is delivered.</summary>
        public void RunSingleThread()
        {
            // One thread: the batch's buffers are its own for as long as it listens (rented once),
            // and each datagram is dispatched straight from the buffer it was read into: no ring,
            // no pool round trip per datagram.
            int k = 0;
            int index;
            while (k < batch.Capacity && pool.TryRent(out index)) rented[k++] = index;
            for (int i = 0; i < k; i++)
            {
                batch.Offsets[i] = pool.OffsetOf(rented[i]);
                batch.Infos[i] = infos[rented[i]]; // the transport writes this buffer's metadata in place
            }
            batch.Count = k;
            while (socket.IsListening)
            {
                for (int i = 0; i < k; i++) batch.Lengths[i] = pool.BufferSize;
                int got = Receive();
                for (int i = 0; i < got; i++)
                {
                    lengths[rented[i]] = batch.Lengths[i];
                    Dispatch(rented[i]);
                }
                if (got > 0 && afterBatch != null) afterBatch(got);
            }
            Finish();
        }

        // Receives one batch into free buffers and queues them; returns how many arrived, or -1
        // if no buffer was free.
        private int ReadOnce()
        {
            // Buffers left over from the last call are kept, not returned and rented again: paced
            // traffic wakes the reader for one datagram at a time, and 127 pool operations per
            // wake-up cost 5-17 us, more than the 10 us between messages at 100,000 msg/s.
            int k = held;
            int index;
            while (k < batch.Capacity && pool.TryRent(out index)) rented[k++] = index;
            for (int i = 0; i < k; i++)
            {
                index = rented[i];
                batch.Offsets[i] = pool.OffsetOf(index);
                batch.Lengths[i] = pool.BufferSize;
                batch.Infos[i] = infos[index]; // the transport writes this buffer's metadata in place
            }
            if (k == 0) return -1;
            batch.Count = k;
            int got = Receive();
            for (int i = 0; i < got; i++)
            {
                lengths[rented[i]] = batch.Lengths[i];
                ring.TryEnqueue(rented[i]); // cannot fail: a cell for every buffer
            }
            for (int i = got; i < k; i++) rented[i - got] = rented[i];
            held = k - got;
            return got;
        }

        // One recvmmsg into the batch as set up; returns how many datagrams arrived (0 on a quiet
        // poll or an error, which is counted and reported). Kernel drops observed either way.
        private int Receive()
        {
            int got;
            try
            {
                got = transport.ReceiveBatch(batch, PollMs);
            }
            catch (LibrecastException e)
            {
                got = 0;
                if (socket.IsListening) counters.Add(Counter.ReceiveErrors, 1); // counted even with no error handler
                if (socket.IsListening && onError != null) onError(e);
                if (socket.IsListening) Thread.Sleep(PollMs);
            }
            catch (ObjectDisposedException)
            {
                got = 0;
            }
            if (batch.KernelDrops >= 0) socket.ObserveKernelDrops(batch.KernelDrops);
            if (got == 0)
            {
                // A quiet poll: drops after the last delivered datagram come with no datagram.
                int drops = transport.ReadKernelDrops();
                if (drops >= 0) socket.ObserveKernelDrops(drops);
            }
            return got;
        }

        // Drops the kernel made after the last datagram it delivered are reported with no
        // datagram: ask for the socket's count directly.
        private void Finish()
        {
            int drops = transport.ReadKernelDrops();
            if (drops >= 0) socket.ObserveKernelDrops(drops);
            Interlocked.Exchange(ref readerDone, 1);
        }

        private int DispatchQueued()
        {
            int done = 0;
            int index;
            while (ring.TryDequeue(out index))
            {
                done++;
                try
                {
                    Dispatch(index);
                }
                finally
                {
                    pool.Return(index);
                }
            }
            return done;
        }

        private void Dispatch(int index)
        {
            DatagramInfo info = infos[index];
            message.Buffer = pool.Slab;
            message.UseInfo(info);
            int at = pool.OffsetOf(index);
            int length = lengths[index];
            int segment = info.SegmentSize;
            if (segment <= 0 || segment >= length)
            {
                DispatchOne(at, length);
                return;
            }
            // Coalesced by GRO: equal segments, the last one possibly shorter.
            for (int offset = 0; offset < length; offset += segment)
                DispatchOne(at + offset, length - offset < segment ? length - offset : segment);
        }

        private void DispatchOne(int at, int length)
        {
            message.Offset = at;
            ReceiveResult r = socket.Classify(message, length, framed);
            if (r == ReceiveResult.Ok) onMessage(message);
            else if (onRejected != null) onRejected(message);
        }
    }
}
