using System;
using Librecast;

namespace Librecast.NanoCases
{
    /// <summary>
    /// A platform and transport with no network, for nanoCLR as well as .NET: what is sent is kept
    /// (up to <see cref="Capacity"/> datagrams); received datagrams are the ones queued with
    /// <see cref="Inject"/>; random bytes repeat a given pattern; clocks are fields.
    /// </summary>
    public sealed class MemoryWire : IPlatform, ITransport
    {
        /// <summary>Datagrams kept.</summary>
        public const int Capacity = 256;

        private readonly byte[] pattern;
        private readonly byte[][] inbox = new byte[Capacity][];
        private int inboxHead, inboxTail;

        /// <summary>Sent datagrams, oldest first; <see cref="SentCount"/> of them are set.</summary>
        public readonly byte[][] Sent = new byte[Capacity][];

        /// <summary>How many datagrams were sent.</summary>
        public int SentCount;

        /// <summary>Groups joined and not left.</summary>
        public int Joined;

        /// <summary>What NowNanoseconds returns.</summary>
        public ulong Now = 1795000000000000000UL;

        /// <summary>What MonotonicMilliseconds returns.</summary>
        public long Monotonic = 1000;

        /// <summary>A wire whose random bytes repeat <paramref name="randomPattern"/>.</summary>
        public MemoryWire(byte[] randomPattern) { pattern = randomPattern; }

        /// <summary>A wire whose random bytes are 0x5a.</summary>
        public MemoryWire() : this(new byte[] { 0x5a }) { }

        /// <inheritdoc/>
        public ITransport OpenTransport() { return this; }

        /// <inheritdoc/>
        public ulong NowNanoseconds() { return Now; }

        /// <inheritdoc/>
        public long MonotonicMilliseconds() { return Monotonic; }

        /// <inheritdoc/>
        public void FillRandom(byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count; i++) buffer[offset + i] = pattern[i % pattern.Length];
        }

        /// <summary>Queues a datagram for the next Receive.</summary>
        public void Inject(byte[] datagram)
        {
            inbox[inboxTail++ % Capacity] = datagram;
        }

        /// <inheritdoc/>
        public void Bind(int port) { }

        /// <inheritdoc/>
        public void SetInterface(int interfaceIndex) { }

        /// <inheritdoc/>
        public void SetHopLimit(int hops) { }

        /// <inheritdoc/>
        public void SetLoopback(bool enabled) { }

        /// <inheritdoc/>
        public void Join(byte[] group, int offset, int interfaceIndex) { Joined++; }

        /// <inheritdoc/>
        public void Leave(byte[] group, int offset, int interfaceIndex) { Joined--; }

        /// <summary>True: sent datagrams are only counted, not kept (timing cases: no copy to measure).</summary>
        public bool Discard;

        /// <inheritdoc/>
        public int Send(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port)
        {
            if (Discard)
            {
                SentCount++;
                return count;
            }
            byte[] copy = new byte[count];
            Array.Copy(buffer, offset, copy, 0, count);
            if (SentCount < Capacity) Sent[SentCount] = copy;
            SentCount++;
            return count;
        }

        /// <inheritdoc/>
        public int Receive(byte[] buffer, int offset, int count, int timeoutMs, DatagramInfo info)
        {
            if (inboxHead == inboxTail) return -1;
            byte[] d = inbox[inboxHead++ % Capacity];
            int n = d.Length < count ? d.Length : count;
            Array.Copy(d, 0, buffer, offset, n);
            info.SourcePort = GroupAddress.DefaultPort;
            info.Source[15] = 1;
            info.HasDestination = false;
            info.Truncated = d.Length > count;
            return n;
        }

        /// <inheritdoc/>
        public void Dispose() { }
    }
}
