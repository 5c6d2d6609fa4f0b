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
        private const int ListenPollMs = BatchedListener.PollMs;

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
        private Thread? dispatcher;
        private readonly DatagramClassifier classifier;
        private int kernelDropsSeen; // the transport's running count last added to the counters
        // Unbound sends on the 0.9+ wire: the interfaces a copy goes out on, re-read from the
        // transport at most every InterfaceRefreshMs (librecast re-reads them at every send; a
        // read costs a netlink dump, too much per message). Replaced whole, read without a lock.
        private int[] fanOut = new int[0];
        private long fanOutReadAt;
        private bool fanOutRead;
        private readonly object fanOutLock = new object();
        private int[] fanOutScratch = new int[16];

        internal Socket(Context context, ITransport transport)
        {
            this.context = context;
            Transport = transport;
            classifier = new DatagramClassifier(context);
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

        /// <summary>
        /// Uses interface <paramref name="interfaceIndex"/> for sending and joining (like
        /// <c>lc_socket_bind</c>). 0, the default, binds to none: joins go to every multicast
        /// interface and, on a channel of the 0.9+ wire (<see cref="WireProfile.UnboundSendsPerInterface"/>),
        /// every datagram goes out once per multicast interface, the same bytes on each, as
        /// librecast 0.9.1 and 0.11.2 send; on the 0.5 wire once, by the default route, as 0.5.1.
        /// </summary>
        public void Bind(int interfaceIndex)
        {
            if (interfaceIndex < 0) throw new ArgumentOutOfRangeException("interfaceIndex");
            ThrowIfDisposed();
            Transport.SetInterface(interfaceIndex);
            InterfaceIndex = interfaceIndex;
            fanOutRead = false;
        }

        /// <summary>How often an unbound socket re-reads the interfaces it sends a copy on (0.9+ wire): every second.</summary>
        public const int InterfaceRefreshMs = 1000;

        /// <summary>
        /// The interfaces a datagram on <paramref name="channel"/> goes out on, one copy each:
        /// empty when it goes once, as the socket chose (a bound socket, the 0.5 wire, an
        /// IPv4-mapped group, a platform that cannot list interfaces or send by interface, or no
        /// multicast interface up). A copy: the socket's own list is re-read at most every
        /// <see cref="InterfaceRefreshMs"/> and allocated only when the set of interfaces changed.
        /// </summary>
        public int[] SendInterfaces(Channel channel)
        {
            if (channel == null) throw new ArgumentNullException("channel");
            int[] all = UnboundInterfaces();
            int[] copy = new int[all.Length > 0 && FansOut(channel) ? all.Length : 0];
            Array.Copy(all, copy, copy.Length);
            return copy;
        }

        internal static bool FansOut(Channel channel)
        {
            return channel.Wire.UnboundSendsPerInterface && !Ipv4Group.IsMapped(channel.GroupBytes, 0);
        }

        // Empty: this socket sends once (bound, or the transport cannot list interfaces or send by one).
        internal int[] UnboundInterfaces()
        {
            if (InterfaceIndex != 0) return Empty;
            IMulticastInterfaces? list = Transport as IMulticastInterfaces;
            if (list == null || !(Transport is IInterfaceSend)) return Empty;
            long now = context.Platform.MonotonicMilliseconds();
            if (!fanOutRead || now - fanOutReadAt >= InterfaceRefreshMs)
            {
                lock (fanOutLock)
                {
                    if (!fanOutRead || now - fanOutReadAt >= InterfaceRefreshMs)
                    {
                        int n = list.ListMulticastInterfaces(fanOutScratch);
                        if (n > fanOutScratch.Length)
                        {
                            fanOutScratch = new int[n];
                            n = list.ListMulticastInterfaces(fanOutScratch);
                            if (n > fanOutScratch.Length) n = fanOutScratch.Length;
                        }
                        if (n < 0) n = 0;
                        if (!SameInterfaces(fanOut, fanOutScratch, n))
                        {
                            int[] next = new int[n];
                            Array.Copy(fanOutScratch, next, n);
                            fanOut = next;
                        }
                        fanOutReadAt = now;
                        fanOutRead = true;
                    }
                }
            }
            return fanOut;
        }

        private static readonly int[] Empty = new int[0];

        private static bool SameInterfaces(int[] current, int[] read, int n)
        {
            if (current.Length != n) return false;
            for (int i = 0; i < n; i++)
                if (current[i] != read[i]) return false;
            return true;
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
            TokenSealer? sealer = channel.TokenSealer; // a restricted channel: token ‖ datagram ‖ signature (ChannelRestricted.cs)
            for (; sealer != null; sealer = channel.TokenSealer) // wiped by SetToken/ClearToken since read: as the channel stands now
            {
                TokenSealer held = sealer;
                lock (held)
                {
                    if (held.Wiped) continue;
                    int sealedLength = held.Seal(buffer, offset, count); // may grow held.Buffer: read it after
                    return SendWire(channel, held.Buffer, 0, sealedLength);
                }
            }
            return SendWire(channel, buffer, offset, count);
        }

        private int SendWire(Channel channel, byte[] buffer, int offset, int count)
        {
            ThrowIfDisposed();
            int[] via = UnboundInterfaces();
            if (via.Length > 0 && FansOut(channel)) return SendCopies(channel, via, buffer, offset, count);
            try
            {
                int sent = Transport.Send(buffer, offset, count, channel.GroupBytes, 0, channel.Port);
                context.Counters.Increment(Counter.Sent);
                return sent;
            }
            catch (LibrecastException)
            {
                context.Counters.Increment(Counter.SendErrors);
                throw;
            }
        }

        // One copy per interface, the same bytes. Each copy is counted (sent or send_errors); a
        // failed copy goes to SendErrorHandler, and only if every copy failed does the send throw.
        private int SendCopies(Channel channel, int[] via, byte[] buffer, int offset, int count)
        {
            IInterfaceSend transport = (IInterfaceSend)Transport;
            int sent = 0, ok = 0;
            LibrecastException? first = null;
            for (int i = 0; i < via.Length; i++)
            {
                try
                {
                    sent = transport.SendVia(buffer, offset, count, channel.GroupBytes, 0, channel.Port, via[i]);
                    context.Counters.Increment(Counter.Sent);
                    ok++;
                }
                catch (LibrecastException e)
                {
                    context.Counters.Increment(Counter.SendErrors);
                    if (first == null) first = e;
                    else ReportSendError(e);
                }
            }
            if (ok == 0) throw first!;
            if (first != null) ReportSendError(first);
            return sent;
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
            return Classify(message, n, framed);
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
        public ReplayWindow? ReplayWindow
        {
            get { return classifier.ReplayWindow; }
            set { classifier.ReplayWindow = value; }
        }

        /// <summary>
        /// Drops the copies of a frame that an unbound librecast 0.9+ sender puts on every
        /// interface: a framed message whose channel, timestamp, seq and rnd already arrived on
        /// another interface of this socket is <see cref="ReceiveResult.Duplicate"/>, counted in
        /// <see cref="Counters.Duplicates"/>, not delivered. On by default (a window of
        /// <see cref="CopyFilter.DefaultCapacity"/> frames, allocated once); null turns it off.
        /// Set it before listening.
        /// </summary>
        public CopyFilter? CopyFilter
        {
            get { return classifier.CopyFilter; }
            set { classifier.CopyFilter = value; }
        }

        /// <summary>
        /// On encrypted channels, rejects a framed message whose authenticated random nonce (rnd)
        /// was seen recently from any source: a replay sent from a spoofed source address, which
        /// the <see cref="ReplayWindow"/> (keyed by source) would take for a new sender. Null (the
        /// default) turns it off; ignored on channels without a key, where rnd can be forged.
        /// Rejections are <see cref="ReceiveResult.Replayed"/> with verdict Duplicate.
        /// </summary>
        public NonceFilter? NonceFilter
        {
            get { return classifier.NonceFilter; }
            set { classifier.NonceFilter = value; }
        }

        // Every receive path classifies here, against the channels bound right now.
        internal ReceiveResult Classify(Message message, int length, bool framed)
        {
            return classifier.Classify(message, length, framed, channels);
        }

        /// <summary>
        /// The kernel's running count of datagrams it dropped for this socket because its receive
        /// buffer was full (Linux SO_MEMINFO); -1 where the platform cannot tell. For a caller
        /// that receives directly (<see cref="Receive"/>), which does not count them itself.
        /// </summary>
        public long ReadKernelDrops()
        {
            ThrowIfDisposed();
            IBatchTransport? batched = Transport as IBatchTransport;
            int drops = batched == null ? -1 : batched.ReadKernelDrops();
            return drops < 0 ? -1 : drops;
        }

        // The reader's thread only: turns the transport's running 32-bit count into increments.
        internal void ObserveKernelDrops(int raw)
        {
            context.Counters.AddKernelDrops(ref kernelDropsSeen, raw);
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
            ListenOptions options = new ListenOptions();
            options.MessageCapacity = messageCapacity;
            Listen(onMessage, onRejected, onError, options);
        }

        /// <summary>
        /// Starts listening with the sizes and threading in <paramref name="options"/>; see
        /// <see cref="Listen(MessageHandler, MessageHandler, ErrorHandler, int)"/>. On a batching
        /// transport (Linux) the listener receives many datagrams per call, in one thread
        /// (<see cref="ListenOptions.SingleThread"/>, the default) or a reader and a dispatcher.
        /// </summary>
        /// <exception cref="LibrecastException">Already listening.</exception>
        public void Listen(MessageHandler onMessage, MessageHandler? onRejected, ErrorHandler? onError, ListenOptions options)
        {
            if (onMessage == null) throw new ArgumentNullException("onMessage");
            if (options == null) throw new ArgumentNullException("options");
            ThrowIfDisposed();
            IBatchTransport? batched = Transport as IBatchTransport;
            lock (stateLock)
            {
                if (listener != null) throw new LibrecastException("this socket is already listening: call ListenCancel() first");
                Message message = new Message(options.MessageCapacity); // validates the capacity
                Thread t;
                if (batched != null)
                {
                    BatchedListener receive = new BatchedListener(this, batched, context.Counters, options, onMessage, onRejected, onError);
                    listening = true;
                    if (options.SingleThread) t = new Thread(receive.RunSingleThread);
                    else
                    {
                        t = new Thread(receive.ReadLoop);
                        dispatcher = new Thread(receive.DispatchLoop);
                        dispatcher.Start();
                    }
                }
                else
                {
                    listening = true;
                    BatchHandler? after = options.AfterBatch;
                    bool framed = options.Framed;
                    t = new Thread(delegate () { ListenLoop(message, onMessage, onRejected, onError, after, framed); });
                }
                listener = t;
                t.Start();
            }
        }

        /// <summary>Stops the listener started by Listen and waits for its threads to end.</summary>
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

        private void ListenLoop(Message message, MessageHandler onMessage, MessageHandler? onRejected, ErrorHandler? onError, BatchHandler? after, bool framed)
        {
            while (listening)
            {
                ReceiveResult r;
                try
                {
                    r = ReceiveInto(message, ListenPollMs, framed);
                }
                catch (LibrecastException e)
                {
                    if (!listening) break;
                    context.Counters.Add(Counter.ReceiveErrors, 1); // counted even with no error handler
                    if (onError != null) onError(e);
                    Thread.Sleep(ListenPollMs);
                    continue;
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                if (r == ReceiveResult.Ok)
                {
                    onMessage(message);
                    if (after != null) after(1); // one datagram per receive here
                }
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
