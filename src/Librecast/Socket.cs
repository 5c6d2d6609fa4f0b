using System;
using Librecast.Crypto;
using Librecast.Security;
using System.Collections;
using System.Threading;

namespace Librecast
{
    /// <summary>
    /// A librecast socket: one UDP socket that channels are bound to. It chooses the interface,
    /// hop limit and loopback, receives (blocking or with a listener thread) and sends for its
    /// channels.
    /// </summary>
    public sealed class Socket : IDisposable
    {
        /// <summary>How often a listener wakes to notice cancellation.</summary>
        private const int ListenPollMs = 100;

        private readonly Context context;
        private readonly object stateLock = new object();
        // Copy-on-write: the receive path reads this array without a lock.
        private Channel[] channels = new Channel[0];
        private int boundPort = -1;
        private int hopLimit = 255;
        private bool loopback;
        private bool disposed;
        private Thread? listener;
        private bool listening;
        private Publisher? publisher;

        internal Socket(Context context, ITransport transport)
        {
            this.context = context;
            Transport = transport;
            // librecast's defaults (DEFAULT_MULTICAST_HOPS 255, DEFAULT_MULTICAST_LOOP 0).
            transport.SetHopLimit(hopLimit);
            transport.SetLoopback(loopback);
        }

        internal ITransport Transport { get; }

        /// <summary>The interface this socket sends and joins on (0 = the default route).</summary>
        public int InterfaceIndex { get; private set; }

        /// <summary>Multicast hop limit of sent datagrams (default 255, as librecast).</summary>
        public int HopLimit
        {
            get { return hopLimit; }
            set
            {
                if (value < 0 || value > 255) throw new ArgumentOutOfRangeException("value", "hop limit is 0..255");
                Transport.SetHopLimit(value);
                hopLimit = value;
            }
        }

        /// <summary>Whether this host's own sockets hear what it sends (default off, as librecast).</summary>
        public bool Loopback
        {
            get { return loopback; }
            set
            {
                Transport.SetLoopback(value);
                loopback = value;
            }
        }

        /// <summary>The socket's publish ring and sender, or null before <see cref="StartPublisher"/>.</summary>
        public Publisher? Publisher { get { return publisher; } }

        /// <summary>Called when a queued message could not be sent (it is counted in SendErrors and dropped).</summary>
        public ErrorHandler? SendErrorHandler;

        /// <summary>
        /// Allocates the publish ring and its buffers now (nothing more is allocated per message)
        /// and starts the sender. From then on every framed send on this socket's channels goes
        /// through the ring, numbered by the sender in wire order.
        /// </summary>
        /// <exception cref="LibrecastException">Already started.</exception>
        public Publisher StartPublisher(PublisherOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            ThrowIfDisposed();
            lock (stateLock)
            {
                if (publisher != null) throw new LibrecastException("this socket already has a publisher");
                Publisher p = new Publisher(this, context, Transport, options);
                if (options.StartThread) p.Start();
                publisher = p;
                return p;
            }
        }

        internal void ReportSendError(LibrecastException e)
        {
            ErrorHandler? handler = SendErrorHandler;
            if (handler != null) handler(e);
        }

        /// <summary>The channels bound to this socket.</summary>
        public Channel[] Channels
        {
            get
            {
                Channel[] snapshot = channels;
                Channel[] copy = new Channel[snapshot.Length];
                Array.Copy(snapshot, copy, snapshot.Length);
                return copy;
            }
        }

        /// <summary>Uses interface <paramref name="interfaceIndex"/> for sending and joining (like <c>lc_socket_bind</c>; 0 = default).</summary>
        public void Bind(int interfaceIndex)
        {
            if (interfaceIndex < 0) throw new ArgumentOutOfRangeException("interfaceIndex");
            ThrowIfDisposed();
            Transport.SetInterface(interfaceIndex);
            InterfaceIndex = interfaceIndex;
        }

        /// <summary>
        /// Binds <paramref name="channel"/> to this socket (like <c>lc_channel_bind</c>); the first
        /// channel binds the socket to its port on the wildcard address, with address reuse.
        /// </summary>
        /// <exception cref="LibrecastException">The channel is bound elsewhere, or uses another port.</exception>
        public void Bind(Channel channel)
        {
            if (channel == null) throw new ArgumentNullException("channel");
            ThrowIfDisposed();
            lock (stateLock)
            {
                if (channel.Socket == this) return;
                if (channel.Socket != null)
                    throw new LibrecastException("channel " + channel + " is already bound to another socket");
                if (boundPort == -1)
                {
                    Transport.Bind(channel.Port);
                    boundPort = channel.Port;
                }
                else if (boundPort != channel.Port)
                    throw new LibrecastException("channel " + channel + " uses port " + channel.Port +
                        " but this socket is bound to port " + boundPort + ": use another socket");
                Channel[] grown = new Channel[channels.Length + 1];
                Array.Copy(channels, grown, channels.Length);
                grown[channels.Length] = channel;
                channels = grown;
                channel.Attach(this);
            }
        }

        /// <summary>Unbinds <paramref name="channel"/>, leaving its group if joined (like <c>lc_channel_unbind</c>).</summary>
        public void Unbind(Channel channel)
        {
            if (channel == null) throw new ArgumentNullException("channel");
            lock (stateLock)
            {
                if (channel.Socket != this) return;
                if (channel.Joined) channel.Part();
                Channel[] shrunk = new Channel[channels.Length - 1];
                int j = 0;
                for (int i = 0; i < channels.Length; i++)
                    if (channels[i] != channel) shrunk[j++] = channels[i];
                channels = shrunk;
                channel.Detach();
            }
        }

        /// <summary>Sends a raw datagram to every bound channel (like <c>lc_socket_send</c>); returns the bytes sent to the last.</summary>
        public int Send(byte[] buffer, int offset, int count)
        {
            Channel[] snapshot = channels;
            if (snapshot.Length == 0) throw new LibrecastException("cannot send: no channel is bound to this socket");
            int sent = 0;
            for (int i = 0; i < snapshot.Length; i++) sent = snapshot[i].Send(buffer, offset, count);
            return sent;
        }

        internal int SendDatagram(Channel channel, byte[] buffer, int offset, int count)
        {
            ThrowIfDisposed();
            try
            {
                int sent = Transport.Send(buffer, offset, count, channel.GroupBytes, 0, channel.Port);
                Interlocked.Increment(ref context.Counters.sent);
                return sent;
            }
            catch (LibrecastException)
            {
                Interlocked.Increment(ref context.Counters.sendErrors);
                throw;
            }
        }

        /// <summary>
        /// Receives one raw datagram into <paramref name="message"/> (like <c>lc_socket_recv</c>),
        /// waiting up to <paramref name="timeoutMs"/> (negative: forever).
        /// </summary>
        public ReceiveResult Receive(Message message, int timeoutMs)
        {
            RequireNotListening();
            return ReceiveInto(message, timeoutMs, false);
        }

        // One receiver per socket: while listening, the listener's threads own the receive path.
        private void RequireNotListening()
        {
            if (listening) throw new LibrecastException("this socket is listening: its datagrams go to the Listen handler (call ListenCancel() to receive directly)");
        }

        /// <summary>
        /// Receives one datagram and decodes it as a librecast frame (like <c>lc_msg_recv</c>).
        /// A datagram that is not a well-formed frame returns <see cref="ReceiveResult.Malformed"/>
        /// (counted); nothing is thrown for bad network input.
        /// </summary>
        public ReceiveResult ReceiveMessage(Message message, int timeoutMs)
        {
            RequireNotListening();
            return ReceiveInto(message, timeoutMs, true);
        }

        private ReceiveResult ReceiveInto(Message message, int timeoutMs, bool framed)
        {
            if (message == null) throw new ArgumentNullException("message");
            ThrowIfDisposed();
            message.UseOwnBuffer();
            int n = Transport.Receive(message.Buffer, 0, message.Buffer.Length, timeoutMs, message.Info);
            if (n < 0)
            {
                message.Length = 0;
                message.Framed = framed;
                message.Channel = null;
                return ReceiveResult.Timeout;
            }
            return Accept(message, n, framed);
        }

        /// <summary>
        /// Replay and loss detection for framed messages received on this socket (beyond librecast):
        /// null (the default) turns it off. Each accepted frame is checked per sender and channel;
        /// duplicates, replays and stale messages are rejected as <see cref="ReceiveResult.Replayed"/>
        /// and counted (<see cref="Counters.Replayed"/>); gaps, reorders and restarts are counted by
        /// the window itself. Set it before listening; keep the same window across a listener restart
        /// to have the gap counted. Only meaningful against forgery on an encrypted channel
        /// (docs/security.md).
        /// </summary>
        public ReplayWindow? ReplayWindow { get; set; }

        /// <summary>
        /// On encrypted channels, rejects a framed message whose authenticated random nonce (rnd)
        /// was seen recently from any source: a replay sent from a spoofed source address, which
        /// the <see cref="ReplayWindow"/> (keyed by source) would take for a new sender. Null (the
        /// default) turns it off; ignored on channels without a key, where rnd can be forged.
        /// Rejections are <see cref="ReceiveResult.Replayed"/> with verdict Duplicate.
        /// </summary>
        public NonceFilter? NonceFilter { get; set; }

        // Classifies a datagram already in message.Buffer[Offset, Offset+n): ours or not, whole
        // or cut, sealed or not, a frame or not, fresh or replayed; counts the outcome. Shared by
        // every receive path. On an encrypted channel the datagram is opened in place.
        private ReceiveResult Accept(Message message, int n, bool framed)
        {
            Counters counters = context.Counters;
            message.Framed = framed;
            message.Channel = null;
            message.Length = n;
            message.Replay = ReplayVerdict.New;
            if (!Match(message))
            {
                Interlocked.Increment(ref counters.filtered);
                return ReceiveResult.Filtered;
            }
            if (message.Info.Truncated)
            {
                Interlocked.Increment(ref counters.truncated);
                Interlocked.Increment(ref counters.malformed);
                message.Status = FrameStatus.LengthMismatch;
                return ReceiveResult.Truncated;
            }
            Channel? channel = message.Channel;
            SecretBox? box = channel == null ? null : channel.ReceiveBox;
            // On an encrypted channel the datagram must open. One that cannot be attributed to a
            // channel, on a socket whose channels are encrypted, cannot be checked. Neither is delivered.
            if (box != null ? !OpenInPlace(box, message, ref n) : channel == null && AnyEncrypted())
            {
                Interlocked.Increment(ref counters.unauthenticated);
                message.Status = FrameStatus.Ok;
                return ReceiveResult.Unauthenticated;
            }
            if (framed)
            {
                message.Status = Frame.TryDecode(message.Buffer, message.Offset, n, message.Header);
                if (message.Status != FrameStatus.Ok)
                {
                    Interlocked.Increment(ref counters.malformed);
                    return ReceiveResult.Malformed;
                }
                if (!Fresh(message, channel, box != null))
                {
                    Interlocked.Increment(ref counters.replayed);
                    return ReceiveResult.Replayed;
                }
            }
            else message.Status = FrameStatus.Ok;
            Interlocked.Increment(ref counters.received);
            return ReceiveResult.Ok;
        }

        // Opens the datagram where it lies; on success n and message.Length are the plaintext's length.
        private static bool OpenInPlace(SecretBox box, Message message, ref int n)
        {
            SecretBoxStatus opened;
            int plain;
            lock (box) opened = box.Open(message.Buffer, message.Offset, n, message.Buffer, message.Offset, out plain);
            if (opened != SecretBoxStatus.Ok) return false;
            n = plain;
            message.Length = plain;
            return true;
        }

        // The replay window's verdict (kept in message.Replay), then, on an encrypted channel, the
        // nonce filter, which takes a repeated rnd from any source for a duplicate.
        private bool Fresh(Message message, Channel? channel, bool encrypted)
        {
            ReplayWindow? window = ReplayWindow;
            if (window != null)
            {
                ulong now = context.Platform.NowNanoseconds();
                ReplayVerdict verdict;
                lock (window)
                    verdict = window.Check(message.Info.Source, 0, message.Info.SourcePort, channel == null ? 0 : channel.Id,
                        message.Header.Sequence, message.Header.Timestamp, now);
                message.Replay = verdict;
                if (!Security.ReplayWindow.IsAccepted(verdict)) return false;
            }
            NonceFilter? nonces = NonceFilter;
            if (nonces == null || !encrypted) return true;
            bool fresh;
            lock (nonces) fresh = nonces.Add(message.Header.Random);
            if (!fresh) message.Replay = ReplayVerdict.Duplicate;
            return fresh;
        }

        private bool AnyEncrypted()
        {
            Channel[] snapshot = channels;
            for (int i = 0; i < snapshot.Length; i++)
            {
                if (snapshot[i].Encrypted) return true;
            }
            return false;
        }

        // Finds the bound channel the datagram was addressed to. The kernel may hand a wildcard
        // socket datagrams for groups joined by other sockets; those are not ours.
        private bool Match(Message message)
        {
            Channel[] snapshot = channels;
            if (snapshot.Length == 0) return true;
            if (!message.Info.HasDestination)
            {
                // The transport does not report destinations: with one channel bound, it is that one.
                if (snapshot.Length == 1) message.Channel = snapshot[0];
                return true;
            }
            for (int i = 0; i < snapshot.Length; i++)
            {
                if (GroupAddress.Equal(snapshot[i].GroupBytes, 0, message.Info.Destination, 0))
                {
                    message.Channel = snapshot[i];
                    return true;
                }
            }
            // A unicast datagram to our port is not for a group at all; deliver it unattributed.
            // A group we are not bound to (IPv6, or IPv4 multicast in its mapped form) is not ours.
            return !GroupAddress.IsMulticast(message.Info.Destination, 0) && !Ipv4Group.IsMulticast(message.Info.Destination, 0);
        }

        /// <summary>
        /// Starts a listener thread that receives framed messages and calls
        /// <paramref name="onMessage"/> for each (like <c>lc_socket_listen</c>). Malformed
        /// datagrams are counted and passed to <paramref name="onRejected"/> if given; receive
        /// errors go to <paramref name="onError"/>. Stop with <see cref="ListenCancel"/>.
        /// </summary>
        /// <param name="onMessage">Called for each message; the message is reused after it returns.</param>
        /// <param name="onRejected">Optional: called for datagrams that were not accepted.</param>
        /// <param name="onError">Optional: called when receiving fails; listening goes on.</param>
        /// <param name="messageCapacity">Largest datagram to receive, in bytes.</param>
        /// <exception cref="LibrecastException">Already listening.</exception>
        public void Listen(MessageHandler onMessage, MessageHandler? onRejected, ErrorHandler? onError, int messageCapacity)
        {
            if (onMessage == null) throw new ArgumentNullException("onMessage");
            ThrowIfDisposed();
            Message message = new Message(messageCapacity);
            IBatchTransport? batched = Transport as IBatchTransport;
            lock (stateLock)
            {
                if (listener != null) throw new LibrecastException("this socket is already listening: call ListenCancel() first");
                listening = true;
                Thread t;
                if (batched != null)
                {
                    ReceiveRing receive = new ReceiveRing(this, batched, messageCapacity);
                    t = new Thread(delegate () { receive.ReadLoop(onError); });
                    dispatcher = new Thread(delegate () { receive.DispatchLoop(message, onMessage, onRejected); });
                    dispatcher.Start();
                }
                else t = new Thread(delegate () { ListenLoop(message, onMessage, onRejected, onError); });
                listener = t;
                t.Start();
            }
        }

        private Thread? dispatcher;

        /// <summary>
        /// A listener's receive hot path on a batching transport: the reader thread receives many
        /// datagrams per call into pooled buffers and queues them on a lock-free ring; the
        /// dispatcher thread decodes and calls the handler. A full pool makes the reader wait
        /// (the kernel's buffer absorbs the burst; what it then drops is counted as KernelDrops).
        /// </summary>
        private sealed class ReceiveRing
        {
            private const int BatchSize = 64;
            private readonly int capacity;
            private readonly Socket socket;
            private readonly IBatchTransport transport;
            private readonly BufferPool pool;
            private readonly IndexRing ring;
            private readonly int[] lengths;
            private readonly int[] flags;
            private readonly int[] ports;
            private readonly int[] interfaces;
            private readonly byte[] sources;
            private readonly byte[] destinations;
            private readonly Batch batch;
            private readonly int[] rented = new int[BatchSize];
            private int readerDone;

            public ReceiveRing(Socket socket, IBatchTransport transport, int messageCapacity)
            {
                this.socket = socket;
                this.transport = transport;
                int size = 64;
                while (size < messageCapacity) size <<= 1;
                // About 16 MiB of buffers at most (256 of 64 KiB), 1024 when datagrams are small.
                capacity = 1024;
                while (capacity > 256 && (long)capacity * size > 16L << 20) capacity >>= 1;
                pool = new BufferPool(capacity, size, transport.AllocateSlab(capacity * size));
                ring = new IndexRing(capacity);
                lengths = new int[capacity];
                flags = new int[capacity];
                ports = new int[capacity];
                interfaces = new int[capacity];
                sources = new byte[capacity * GroupAddress.Size];
                destinations = new byte[capacity * GroupAddress.Size];
                batch = new Batch(pool.Slab, BatchSize);
            }

            public void ReadLoop(ErrorHandler? onError)
            {
                Counters counters = socket.context.Counters;
                while (socket.listening)
                {
                    int k = 0;
                    int index;
                    while (k < BatchSize && pool.TryRent(out index))
                    {
                        rented[k] = index;
                        batch.Offsets[k] = pool.OffsetOf(index);
                        batch.Lengths[k] = pool.BufferSize;
                        k++;
                    }
                    if (k == 0)
                    {
                        Thread.Sleep(0); // the dispatcher holds every buffer: let it catch up
                        continue;
                    }
                    batch.Count = k;
                    int got;
                    try
                    {
                        got = transport.ReceiveBatch(batch, ListenPollMs);
                    }
                    catch (LibrecastException e)
                    {
                        got = 0;
                        if (socket.listening && onError != null) onError(e);
                        if (socket.listening) Thread.Sleep(ListenPollMs);
                    }
                    catch (ObjectDisposedException)
                    {
                        got = 0;
                    }
                    if (batch.KernelDrops >= 0) Interlocked.Exchange(ref counters.kernelDrops, batch.KernelDrops);
                    for (int i = 0; i < got; i++)
                    {
                        index = rented[i];
                        lengths[index] = batch.Lengths[i];
                        flags[index] = batch.Flags[i];
                        ports[index] = batch.SourcePorts[i];
                        interfaces[index] = batch.Interfaces[i];
                        Array.Copy(batch.Sources, i * GroupAddress.Size, sources, index * GroupAddress.Size, GroupAddress.Size);
                        Array.Copy(batch.Destinations, i * GroupAddress.Size, destinations, index * GroupAddress.Size, GroupAddress.Size);
                        ring.TryEnqueue(index); // cannot fail: a cell for every buffer
                    }
                    for (int i = got; i < k; i++) pool.Return(rented[i]);
                }
                // Drops the kernel made after the last datagram it delivered are reported with
                // no datagram: ask for the socket's count directly.
                int drops = transport.ReadKernelDrops();
                if (drops >= 0) Interlocked.Exchange(ref counters.kernelDrops, drops);
                Interlocked.Exchange(ref readerDone, 1);
            }

            public void DispatchLoop(Message message, MessageHandler onMessage, MessageHandler? onRejected)
            {
                BackoffIdleStrategy idle = new BackoffIdleStrategy(200, 20);
                int index;
                // Keep going after cancel until the reader has stopped and the ring is empty:
                // everything received is delivered.
                while (Interlocked.CompareExchange(ref readerDone, 0, 0) == 0 || ring.Count > 0)
                {
                    if (!ring.TryDequeue(out index))
                    {
                        idle.Idle(0);
                        continue;
                    }
                    idle.Reset();
                    message.Buffer = pool.Slab;
                    message.Offset = pool.OffsetOf(index);
                    DatagramInfo info = message.Info;
                    Array.Copy(sources, index * GroupAddress.Size, info.Source, 0, GroupAddress.Size);
                    Array.Copy(destinations, index * GroupAddress.Size, info.Destination, 0, GroupAddress.Size);
                    info.SourcePort = ports[index];
                    info.InterfaceIndex = interfaces[index];
                    info.Truncated = (flags[index] & Batch.FlagTruncated) != 0;
                    info.HasDestination = (flags[index] & Batch.FlagDestination) != 0;
                    ReceiveResult r = socket.Accept(message, lengths[index], true);
                    try
                    {
                        if (r == ReceiveResult.Ok) onMessage(message);
                        else if (onRejected != null) onRejected(message);
                    }
                    finally
                    {
                        pool.Return(index);
                    }
                }
            }
        }

        /// <summary>Stops the listener started by <see cref="Listen"/> and waits for its thread to end.</summary>
        public void ListenCancel()
        {
            Thread? t;
            lock (stateLock)
            {
                t = listener;
                listening = false;
                listener = null;
            }
            if (t != null && t != Thread.CurrentThread) t.Join();
            Thread? d = dispatcher;
            dispatcher = null;
            if (d != null && d != Thread.CurrentThread) d.Join();
        }

        /// <summary>True while a listener thread is running.</summary>
        public bool IsListening { get { return listening; } }

        private void ListenLoop(Message message, MessageHandler onMessage, MessageHandler? onRejected, ErrorHandler? onError)
        {
            while (listening)
            {
                ReceiveResult r;
                try
                {
                    r = ReceiveInto(message, ListenPollMs, true);
                }
                catch (LibrecastException e)
                {
                    if (!listening) break;
                    if (onError != null) onError(e);
                    Thread.Sleep(ListenPollMs);
                    continue;
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                if (r == ReceiveResult.Ok) onMessage(message);
                else if (r != ReceiveResult.Timeout && onRejected != null) onRejected(message);
            }
        }

        /// <summary>Stops listening, leaves joined groups, unbinds channels and closes the socket.</summary>
        public void Dispose()
        {
            if (disposed) return;
            ListenCancel();
            Publisher? p = publisher;
            if (p != null) p.Stop(); // sends what was queued before closing
            Channel[] snapshot = channels;
            for (int i = 0; i < snapshot.Length; i++)
            {
                try { Unbind(snapshot[i]); }
                catch (LibrecastException) { /* closing the socket leaves its groups anyway */ }
            }
            disposed = true;
            Transport.Dispose();
            context.Forget(this);
        }

        private void ThrowIfDisposed()
        {
            if (disposed) throw new ObjectDisposedException("Librecast.Socket");
        }
    }
}
