using System;
using System.Collections;

namespace Librecast
{
    /// <summary>
    /// The root of the librecast object model (like <c>lc_ctx_t</c>): creates sockets and channels
    /// on one platform and holds the counters they share.
    /// </summary>
    public sealed partial class Context : IDisposable
    {
        private readonly ArrayList sockets = new ArrayList();
        private bool disposed;
        private int lastChannelId;
        private WireProfile wire = WireProfile.Default;

        /// <summary>Creates a context on <paramref name="platform"/>.</summary>
        public Context(IPlatform platform)
        {
            if (platform == null) throw new ArgumentNullException("platform");
            Platform = platform;
            Counters = new Counters();
        }

        /// <summary>The platform this context's sockets, clock and randomness come from.</summary>
        public IPlatform Platform { get; }

        /// <summary>Counters shared by every socket of this context.</summary>
        public Counters Counters { get; }

        /// <summary>
        /// The librecast wire the channels this context makes speak (<see cref="WireProfile.Default"/>,
        /// 0.11, unless set). Channels keep the profile they were made with; a bridge between
        /// versions gives one to <see cref="CreateChannel(string, WireProfile)"/>.
        /// </summary>
        public WireProfile Wire
        {
            get { return wire; }
            set
            {
                if (value == null) throw new ArgumentNullException("value");
                wire = value;
            }
        }

        internal int NextChannelId() { return System.Threading.Interlocked.Increment(ref lastChannelId); }

        /// <summary>Creates a socket (like <c>lc_socket_new</c>).</summary>
        public Socket CreateSocket()
        {
            ThrowIfDisposed();
            Socket s = new Socket(this, Platform.OpenTransport());
            lock (sockets) sockets.Add(s);
            return s;
        }

        /// <summary>
        /// Creates the channel named <paramref name="name"/> (its UTF-8 bytes; like <c>lc_channel_new</c>).
        /// As there, the name ends at its first NUL character: <c>"a\0b"</c> is the channel <c>"a"</c>
        /// (the C function takes a C string). <see cref="Channel.Name"/> keeps the string as given;
        /// <see cref="CreateChannel(byte[], int, int)"/> hashes every byte, NULs included.
        /// </summary>
        public Channel CreateChannel(string name)
        {
            return CreateChannel(name, wire);
        }

        /// <summary>Creates the channel named <paramref name="name"/> on the wire of <paramref name="wireProfile"/> rather than the context's; see <see cref="CreateChannel(string)"/>.</summary>
        public Channel CreateChannel(string name, WireProfile wireProfile)
        {
            if (name == null) throw new ArgumentNullException("name");
            int nul = name.IndexOf('\0');
            byte[] bytes = Utf8.GetBytes(nul < 0 ? name : name.Substring(0, nul));
            return CreateChannel(bytes, 0, bytes.Length, name, wireProfile);
        }

        /// <summary>
        /// Creates the channel named by the bytes <paramref name="name"/>[offset, offset+count)
        /// (like <c>lc_channel_nnew</c>); its <see cref="Channel.Name"/> is null.
        /// </summary>
        public Channel CreateChannel(byte[] name, int offset, int count)
        {
            return CreateChannel(name, offset, count, null, wire);
        }

        /// <summary>Creates the channel named by bytes on the wire of <paramref name="wireProfile"/>; see <see cref="CreateChannel(byte[], int, int)"/>.</summary>
        public Channel CreateChannel(byte[] name, int offset, int count, WireProfile wireProfile)
        {
            return CreateChannel(name, offset, count, null, wireProfile);
        }

        private Channel CreateChannel(byte[] name, int offset, int count, string? text, WireProfile wireProfile)
        {
            if (name == null) throw new ArgumentNullException("name");
            if (wireProfile == null) throw new ArgumentNullException("wireProfile");
            if (offset < 0 || count < 0 || offset > name.Length - count) throw new ArgumentOutOfRangeException("count");
            ThrowIfDisposed();
            byte[] hash = new byte[Blake3Hasher.OutLength];
            byte[] group = new byte[GroupAddress.Size];
            wireProfile.NameToGroup(name, offset, count, hash, group);
            return new Channel(this, wireProfile, group, 0, hash, GroupAddress.DefaultPort, text);
        }

        /// <summary>
        /// Creates the IPv4 form of the channel named <paramref name="name"/>: the same name on
        /// its 239.x.y.z group (our own mapping, <see cref="Ipv4Group"/>; librecast has none), for
        /// networks or devices without IPv6 multicast. Its address reads ::ffff:239.x.y.z.
        /// </summary>
        public Channel CreateIpv4Channel(string name)
        {
            if (name == null) throw new ArgumentNullException("name");
            ThrowIfDisposed();
            byte[] bytes = Utf8.GetBytes(name);
            byte[] group = new byte[GroupAddress.Size];
            Ipv4Group.FromName(bytes, 0, bytes.Length, 0, group, 0);
            return new Channel(this, wire, group, 0, null, GroupAddress.DefaultPort, name);
        }

        /// <summary>
        /// Creates a channel for an existing group address and port (like <c>lc_channel_init</c>):
        /// the 16 bytes at <paramref name="group"/>[offset] are used as given. Port 0 means
        /// librecast's default 4242 on the 0.9+ wire (as lc_channel_init there); 0.5.1 kept
        /// port 0, which cannot be sent to, so profile 0.5 refuses it.
        /// </summary>
        /// <exception cref="ArgumentException">The address is not IPv6 multicast (ff00::/8) or IPv4-mapped multicast (::ffff:224.0.0.0/4).</exception>
        /// <exception cref="ArgumentOutOfRangeException">The port is outside 1..65535 (0 allowed on 0.9+).</exception>
        public Channel CreateChannelForGroup(byte[] group, int offset, int port)
        {
            return CreateChannelForGroup(group, offset, port, wire);
        }

        /// <summary>Creates a channel for an existing group address and port on the wire of <paramref name="wireProfile"/>; see <see cref="CreateChannelForGroup(byte[], int, int)"/>.</summary>
        public Channel CreateChannelForGroup(byte[] group, int offset, int port, WireProfile wireProfile)
        {
            if (group == null) throw new ArgumentNullException("group");
            if (wireProfile == null) throw new ArgumentNullException("wireProfile");
            if (offset < 0 || offset > group.Length - GroupAddress.Size) throw new ArgumentOutOfRangeException("offset");
            if (!GroupAddress.IsMulticast(group, offset) && !Ipv4Group.IsMulticast(group, offset))
                throw new ArgumentException(GroupAddress.Format(group, offset) + " is not an IPv6 multicast address (ff00::/8) or IPv4-mapped multicast address (::ffff:224.0.0.0/4)", "group");
            if (port == 0 && wireProfile.InitPortZeroIsDefault) port = GroupAddress.DefaultPort;
            if (port < 1 || port > 65535)
                throw new ArgumentOutOfRangeException("port", wireProfile.InitPortZeroIsDefault ? "port is 1..65535 (0: the default 4242)" : "port is 1..65535 (wire profile 0.5: port 0 is not a default there)");
            ThrowIfDisposed();
            return new Channel(this, wireProfile, group, offset, null, port, null);
        }

        internal void Forget(Socket socket)
        {
            lock (sockets) sockets.Remove(socket);
        }

        /// <summary>Closes every socket this context created (like <c>lc_ctx_free</c>).</summary>
        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            object?[] open;
            lock (sockets) open = sockets.ToArray();
            for (int i = 0; i < open.Length; i++) ((Socket)open[i]!).Dispose();
        }

        private void ThrowIfDisposed()
        {
            if (disposed) throw new ObjectDisposedException("Librecast.Context");
        }
    }
}
