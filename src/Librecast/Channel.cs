using System;
using Librecast.Crypto;

namespace Librecast
{
    /// <summary>
    /// A librecast channel: a multicast group and port, usually named by a string. Bind it to a
    /// <see cref="Socket"/>, then <see cref="Join"/> to hear it and <see cref="Send"/> or
    /// <see cref="SendMessage(byte[], int, int)"/> to speak on it.
    /// </summary>
    public sealed partial class Channel
    {
        private readonly byte[] group = new byte[GroupAddress.Size];
        private readonly byte[] hash = new byte[Blake3Hasher.OutLength]; // librecast's channel hash (sidehash starts from it)
        private readonly object sendLock = new object();
        private readonly byte[] randomBytes = new byte[8];
        private byte[] frameBuffer = new byte[0];
        private ulong sequence;
        private Socket? socket;
        private bool joined;
        private int[] joinedOn = new int[0]; // interfaces the group was joined on

        // Symmetric key (SYMM coding): one box per user, because a SecretBox keeps scratch state.
        // sendBox: direct sends, under sendLock. publisherBox: the socket's publisher (one drainer
        // at a time). receiveBox: the receive path, under lock(receiveBox). Replaced whole by
        // SetKey/ClearKey; a message already queued keeps the box it was queued with.
        private SecretBox? sendBox;
        private SecretBox? publisherBox;
        private SecretBox? receiveBox;

        // hashBytes null: a channel made from an address, whose hash lc_channel_init derives from the group.
        internal Channel(Context context, WireProfile wire, byte[] groupBytes, int groupOffset, byte[]? hashBytes, int port, string? name)
        {
            Context = context;
            Wire = wire;
            Id = context.NextChannelId();
            Array.Copy(groupBytes, groupOffset, group, 0, GroupAddress.Size);
            if (hashBytes != null) Array.Copy(hashBytes, 0, hash, 0, Blake3Hasher.OutLength);
            else wire.GroupToHash(group, 0, hash);
            Port = port;
            Name = name;
        }

        /// <summary>The librecast wire this channel speaks: chosen by its context when it was made, or given to <see cref="Librecast.Context.CreateChannel(string, WireProfile)"/>.</summary>
        public WireProfile Wire { get; }

        internal byte[] HashBytes { get { return hash; } }

        /// <summary>The context that created this channel.</summary>
        public Context Context { get; }

        /// <summary>A number unique among the channels of its context (the replay window's channel id).</summary>
        public int Id { get; }

        /// <summary>True while the channel has a symmetric key: every datagram sent is sealed and every one received must open.</summary>
        public bool Encrypted { get { return receiveBox != null; } }

        /// <summary>
        /// Encrypts the channel with a 32-byte symmetric key, as librecast's SYMM coding
        /// (<c>lc_channel_set_sym_key</c> + <c>lc_channel_coding_set(LC_CODE_SYMM)</c>): each datagram,
        /// raw or framed (the whole frame, header included), becomes XSalsa20-Poly1305 MAC +
        /// ciphertext + 24-byte nonce, 40 bytes more. Received datagrams that do not open with the
        /// key are rejected and counted (<see cref="Counters.Unauthenticated"/>), never delivered.
        /// </summary>
        /// <remarks>The key is copied (unlike librecast 0.5.1, which keeps the caller's pointer): the
        /// caller may wipe its array. Set it before traffic flows; a message already queued on a
        /// publisher is sealed with the key it was queued under.</remarks>
        /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
        public void SetKey(byte[] key, int offset, int count)
        {
            SecretBox forReceive = new SecretBox(key, offset, count); // validates the key first
            SecretBox forPublisher = new SecretBox(key, offset, count);
            lock (sendLock)
            {
                sendBox = new SecretBox(key, offset, count);
                publisherBox = forPublisher;
                receiveBox = forReceive;
            }
        }

        /// <summary>Sets the 32-byte key in <paramref name="key"/>; see <see cref="SetKey(byte[], int, int)"/>.</summary>
        public void SetKey(byte[] key)
        {
            if (key == null) throw new ArgumentNullException("key");
            SetKey(key, 0, key.Length);
        }

        /// <summary>Turns encryption off: datagrams are sent and accepted in clear again.</summary>
        public void ClearKey()
        {
            lock (sendLock)
            {
                sendBox = null;
                publisherBox = null;
                receiveBox = null;
            }
        }

        internal SecretBox? PublisherBox { get { return publisherBox; } }

        internal SecretBox? ReceiveBox { get { return receiveBox; } }

        /// <summary>The channel's name, or null if it was created from an address.</summary>
        public string? Name { get; }

        /// <summary>UDP port (librecast's default is 4242).</summary>
        public int Port { get; }

        /// <summary>Sequence number of the last framed message sent (0 before the first).</summary>
        public ulong Sequence { get { return sequence; } }

        /// <summary>The socket this channel is bound to, or null.</summary>
        public Socket? Socket { get { return socket; } }

        /// <summary>True while joined to the group.</summary>
        public bool Joined { get { return joined; } }

        /// <summary>The group address as text, as inet_ntop writes it.</summary>
        public string Address { get { return GroupAddress.Format(group, 0); } }

        /// <summary>Copies the 16 group address bytes into <paramref name="destination"/>.</summary>
        public void CopyGroupTo(byte[] destination, int offset)
        {
            Array.Copy(group, 0, destination, offset, GroupAddress.Size);
        }

        internal byte[] GroupBytes { get { return group; } }

        // Only one thread numbers a channel's messages: the socket's sender when it has a
        // publisher, otherwise SendMessage under its lock.
        internal ulong NextSequence() { return ++sequence; }

        // NACK gap repair (ChannelNack.cs) as partial methods: a build without that file (the
        // nanoCLR test assembly, whose string table is full) compiles these calls away.
        // The send paths, once a framed datagram is stamped: log it for NACKs.
        internal void LogSent(ulong seq, byte[] buffer, int offset, int count) { OnSentFramed(seq, buffer, offset, count); }

        // The receive path, for a frame accepted on this channel: false if it is a copy already delivered.
        internal bool AcceptSequence(ulong seq)
        {
            bool copy = false;
            OnReceivedFramed(seq, ref copy);
            return !copy;
        }

        partial void OnSentFramed(ulong seq, byte[] buffer, int offset, int count);

        partial void OnReceivedFramed(ulong seq, ref bool copy);

        internal void Attach(Socket s) { socket = s; }

        internal void Detach()
        {
            joined = false;
            socket = null;
        }

        /// <summary>Name for messages: the channel name and its address.</summary>
        public override string ToString()
        {
            return Name == null ? "[" + Address + "]:" + Port : "'" + Name + "' ([" + Address + "]:" + Port + ")";
        }

        /// <summary>
        /// Joins the channel's group (like <c>lc_channel_join</c>) on the bound socket's interface
        /// or, if the socket chose none (<see cref="Socket.Bind(int)"/> with 0, the default), as
        /// librecast does: on every interface that is up, multicast-capable and has an IPv6 address
        /// now, so a router with several LANs hears all of them. An IPv4-mapped group, or a
        /// platform that cannot list interfaces, is joined once on the kernel's default. Fails
        /// only if no interface accepted the join.
        /// </summary>
        /// <exception cref="LibrecastException">Not bound, or the network refused the join.</exception>
        public void Join()
        {
            Socket s = RequireSocket("join");
            if (joined) return;
            int[] on = JoinTargets(s);
            int ok = 0;
            LibrecastException? first = null;
            for (int i = 0; i < on.Length; i++)
            {
                try
                {
                    s.Transport.Join(group, 0, on[i]);
                    on[ok++] = on[i];
                }
                catch (LibrecastException e)
                {
                    if (first == null) first = e;
                }
            }
            if (ok == 0) throw first!;
            if (ok < on.Length)
            {
                int[] kept = new int[ok];
                Array.Copy(on, kept, ok);
                on = kept;
            }
            joinedOn = on;
            joined = true;
        }

        private int[] JoinTargets(Socket s)
        {
            IMulticastInterfaces? list = s.Transport as IMulticastInterfaces;
            if (s.InterfaceIndex != 0 || list == null || Ipv4Group.IsMapped(group, 0)) return new int[] { s.InterfaceIndex };
            int[] found = new int[16];
            int n = list.ListMulticastInterfaces(found);
            if (n > found.Length)
            {
                found = new int[n];
                n = list.ListMulticastInterfaces(found);
                if (n > found.Length) n = found.Length;
            }
            if (n <= 0) return new int[] { 0 };
            int[] targets = new int[n];
            Array.Copy(found, targets, n);
            return targets;
        }

        /// <summary>The interfaces the group is joined on (0: the kernel's default); empty when not joined.</summary>
        public int[] JoinedInterfaces
        {
            get
            {
                int[] on = joined ? joinedOn : new int[0];
                int[] copy = new int[on.Length];
                Array.Copy(on, copy, on.Length);
                return copy;
            }
        }

        /// <summary>Leaves the channel's group on every interface it was joined on (like <c>lc_channel_part</c>).</summary>
        public void Part()
        {
            Socket s = RequireSocket("part");
            if (!joined) return;
            joined = false;
            int[] on = joinedOn;
            joinedOn = new int[0];
            LibrecastException? first = null;
            for (int i = 0; i < on.Length; i++)
            {
                try { s.Transport.Leave(group, 0, on[i]); }
                catch (LibrecastException e) { if (first == null) first = e; }
            }
            if (first != null) throw first;
        }

        /// <summary>
        /// Sends <paramref name="buffer"/>[offset, offset+count) as the whole UDP payload, without a
        /// header (like <c>lc_channel_send</c>). Returns the bytes sent. On a socket with a
        /// publisher (<see cref="Socket.StartPublisher"/>) it is queued on the socket's send ring
        /// instead, waiting for room, and sent with its batch: the bytes queued are returned and a
        /// failed send goes to <see cref="Socket.SendErrorHandler"/>, as for <see cref="Publish(byte[], int, int)"/>.
        /// </summary>
        /// <exception cref="LibrecastException">Not bound, or the network refused the send.</exception>
        public int Send(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (offset < 0 || count < 0 || offset > buffer.Length - count) throw new ArgumentOutOfRangeException("count");
            int max = sendBox == null ? Frame.MaxDatagram : SecretBox.MaxPlaintext;
            if (count > max)
                throw new ArgumentOutOfRangeException("count", "larger than one datagram can carry (" + max + " bytes)");
            Socket s = RequireSocket("send on");
            Publisher? publisher = s.Publisher;
            if (publisher != null)
            {
                // Through the socket's send ring, behind what is already queued (waiting for room):
                // sealed there with the channel's key (and signed with its token), sent in a batch.
                // Errors go to SendErrorHandler.
                publisher.Offer(this, Opcode.Data, false, buffer, offset, count, OverflowPolicy.Block);
                return QueuedLength(count);
            }
            if (sendBox == null) return s.SendDatagram(this, buffer, offset, count);
            lock (sendLock)
            {
                SecretBox? box = sendBox;
                if (box == null) return s.SendDatagram(this, buffer, offset, count); // cleared meanwhile
                EnsureFrameBuffer(SecretBox.SealedLength(count));
                int length = box.Seal(buffer, offset, count, frameBuffer, 0, Context.Platform);
                return s.SendDatagram(this, frameBuffer, 0, length);
            }
        }

        /// <summary>Sends a framed DATA message (like <c>lc_msg_send</c>). Returns the datagram size.</summary>
        /// <exception cref="LibrecastException">Not bound, or the network refused the send.</exception>
        public int SendMessage(byte[] payload, int offset, int count)
        {
            return SendMessage(Opcode.Data, payload, offset, count);
        }

        /// <summary>
        /// Sends a framed message: 33-byte header (timestamp, next sequence number, a fresh random
        /// nonce, <paramref name="op"/>, length) and the payload. Returns the datagram size.
        /// librecast 0.5.1 draws a new rnd for every message (measured on the wire), and so do we.
        /// </summary>
        /// <exception cref="LibrecastException">Not bound, or the network refused the send.</exception>
        public int SendMessage(Opcode op, byte[] payload, int offset, int count)
        {
            if (payload == null) throw new ArgumentNullException("payload");
            if (offset < 0 || count < 0 || offset > payload.Length - count) throw new ArgumentOutOfRangeException("count");
            int max = sendBox == null ? Frame.MaxPayload : SecretBox.MaxPlaintext - Frame.HeaderSize;
            if (count > max)
                throw new ArgumentOutOfRangeException("count", "payload larger than one datagram can carry (" + max + " bytes)");
            Socket s = RequireSocket("send on");
            Publisher? publisher = s.Publisher;
            if (publisher != null)
            {
                // The sender numbers this channel's messages now: queue behind what is already
                // published (waiting for room), so the sequence stays in wire order.
                if (count > publisher.MaxPayload)
                    throw new ArgumentOutOfRangeException("count", "payload larger than the publisher's buffers (" + publisher.MaxPayload + " bytes)");
                publisher.Offer(this, op, true, payload, offset, count, OverflowPolicy.Block);
                return QueuedLength(Frame.HeaderSize + count);
            }
            // One lock keeps the sequence numbers gap-free and in order on the wire when several
            // threads publish on one channel; the lock-free publish ring replaces it on the hot path.
            lock (sendLock)
            {
                SecretBox? box = sendBox; // if a key came since the check above, Seal refuses a frame too large for it
                EnsureFrameBuffer(Frame.HeaderSize + count + (box == null ? 0 : SecretBox.Overhead));
                ulong seq = sequence + 1; // committed only if the send succeeds
                Context.Platform.FillRandom(randomBytes, 0, 8);
                int plain = FrameStamper.Prepare(frameBuffer, FrameStamper.PlainStart(0, box), true, op, payload, offset, count);
                int length = FrameStamper.Stamp(frameBuffer, 0, plain, true, Context.Platform.NowNanoseconds(), seq, randomBytes, 0, box, Context.Platform);
                int sent = s.SendDatagram(this, frameBuffer, 0, length);
                sequence = seq;
                LogSent(seq, frameBuffer, 0, length); // NACK log (ChannelNack.cs)
                return sent;
            }
        }

        /// <summary>
        /// Queues a framed DATA message on the socket's publish ring (see <see cref="Socket.StartPublisher"/>);
        /// never blocks unless the policy is Block. Returns false if it was dropped (DropWrite).
        /// </summary>
        /// <exception cref="LibrecastException">Not bound, or the socket has no publisher.</exception>
        public bool Publish(byte[] payload, int offset, int count)
        {
            return RequirePublisher().Offer(this, Opcode.Data, true, payload, offset, count);
        }

        /// <summary>Queues a framed message with opcode <paramref name="op"/>; see <see cref="Publish(byte[], int, int)"/>.</summary>
        public bool Publish(Opcode op, byte[] payload, int offset, int count)
        {
            return RequirePublisher().Offer(this, op, true, payload, offset, count);
        }

        /// <summary>Queues a raw datagram (no header, like <c>lc_channel_send</c>); see <see cref="Publish(byte[], int, int)"/>.</summary>
        public bool PublishRaw(byte[] payload, int offset, int count)
        {
            return RequirePublisher().Offer(this, Opcode.Data, false, payload, offset, count);
        }

        private Publisher RequirePublisher()
        {
            Publisher? p = RequireSocket("publish on").Publisher;
            if (p == null)
                throw new LibrecastException("cannot publish on channel " + ToString() + ": its socket has no publisher (call Socket.StartPublisher first)");
            return p;
        }

        // The datagram a plaintext of `plain` bytes becomes as queued now: sealed with the key, signed with the token.
        private int QueuedLength(int plain)
        {
            int length = publisherBox == null ? plain : SecretBox.SealedLength(plain);
            return HasToken ? length + Security.TokenFilter.Overhead : length;
        }

        // Callers hold sendLock.
        private void EnsureFrameBuffer(int size)
        {
            if (frameBuffer.Length < size) frameBuffer = new byte[RoundUpPowerOfTwo(size)];
        }

        private static int RoundUpPowerOfTwo(int n)
        {
            int p = 64;
            while (p < n) p <<= 1;
            return p;
        }

        private Socket RequireSocket(string what)
        {
            Socket? s = socket;
            if (s == null)
                throw new LibrecastException("cannot " + what + " channel " + ToString() + ": it is not bound to a socket (call Socket.Bind(channel) first)");
            return s;
        }
    }
}
