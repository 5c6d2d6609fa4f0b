using System;
using System.Collections.Generic;
using System.Threading;

namespace Librecast.Tests.Support;

/// <summary>
/// An in-memory platform for testing the core without a network: every transport it opens
/// shares one "wire"; a datagram sent to a group reaches every transport that joined it.
/// Deterministic clock and random source.
/// </summary>
public sealed class MemoryPlatform : IPlatform
{
    private readonly object wire = new();
    private readonly List<MemoryTransport> transports = new();
    private ulong randomState = 0x1234_5678_9abc_def0;

    /// <summary>The clock value returned by <see cref="NowNanoseconds"/>.</summary>
    public ulong Now = 1_795_000_000_000_000_000;

    /// <summary>How many of the next receive calls (of any transport) fail with a LibrecastException.</summary>
    public int FailReceives;

    /// <summary>Every datagram ever sent, for inspection.</summary>
    public readonly List<byte[]> Sent = new();

    /// <summary>When set, every send waits for it first (a test holding the sender).</summary>
    public ManualResetEventSlim? SendGate;

    public ITransport OpenTransport()
    {
        var t = new MemoryTransport(this);
        lock (wire) transports.Add(t);
        return t;
    }

    public ulong NowNanoseconds() => Now;

    /// <summary>The clock value returned by <see cref="MonotonicMilliseconds"/>.</summary>
    public long Monotonic = 1_000;

    public long MonotonicMilliseconds() => Monotonic;

    public void FillRandom(byte[] buffer, int offset, int count)
    {
        for (int i = 0; i < count; i++)
        {
            randomState = randomState * 6364136223846793005UL + 1442695040888963407UL;
            buffer[offset + i] = (byte)(randomState >> 56);
        }
    }

    /// <summary>Puts a datagram on the wire as if some other host sent it to [group]:port (from UDP port <paramref name="sourcePort"/>).</summary>
    public void Inject(byte[] datagram, byte[] group, int port, int sourcePort = 4242)
    {
        lock (wire)
        {
            foreach (var t in transports) t.Deliver(datagram, group, port, sourcePort);
        }
    }

    internal void Transmit(byte[] datagram, byte[] group, int port)
    {
        lock (wire)
        {
            Sent.Add(datagram);
            foreach (var t in transports) t.Deliver(datagram, group, port, 4242);
        }
    }

    internal sealed class MemoryTransport(MemoryPlatform platform) : ITransport
    {
        private readonly Queue<(byte[] Data, byte[] Group, int SourcePort)> inbox = new();
        private readonly List<string> joined = new();
        private int port = -1;
        public int Interface, HopLimit, Joins, Leaves;
        public bool Loopback, Disposed;

        public void Bind(int p) => port = p;
        public void SetInterface(int i) => Interface = i;
        public void SetHopLimit(int hops) => HopLimit = hops;
        public void SetLoopback(bool enabled) => Loopback = enabled;

        public void Join(byte[] group, int offset, int ifindex)
        {
            lock (inbox) joined.Add(Convert.ToHexString(group, offset, 16));
            Joins++;
        }

        public void Leave(byte[] group, int offset, int ifindex)
        {
            lock (inbox) joined.Remove(Convert.ToHexString(group, offset, 16));
            Leaves++;
        }

        public int Send(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int p)
        {
            platform.SendGate?.Wait(); // a test holds the sender here
            platform.Transmit(buffer.AsSpan(offset, count).ToArray(), group.AsSpan(groupOffset, 16).ToArray(), p);
            return count;
        }

        internal void Deliver(byte[] data, byte[] group, int p, int sourcePort)
        {
            lock (inbox)
            {
                if (p != port || !joined.Contains(Convert.ToHexString(group))) return;
                inbox.Enqueue((data, group, sourcePort));
                Monitor.PulseAll(inbox);
            }
        }

        public int Receive(byte[] buffer, int offset, int count, int timeoutMs, DatagramInfo info)
        {
            if (Interlocked.Decrement(ref platform.FailReceives) >= 0) throw new LibrecastException("receive failed: injected by the test");
            Interlocked.Increment(ref platform.FailReceives); // back to 0 when none was pending
            lock (inbox)
            {
                if (inbox.Count == 0) Monitor.Wait(inbox, timeoutMs < 0 ? Timeout.Infinite : timeoutMs);
                if (inbox.Count == 0) return -1;
                var (data, group, sourcePort) = inbox.Dequeue();
                int n = Math.Min(count, data.Length);
                Array.Copy(data, 0, buffer, offset, n);
                Array.Copy(group, info.Destination, 16);
                info.HasDestination = true;
                info.Truncated = data.Length > count;
                info.SourcePort = sourcePort;
                return n;
            }
        }

        public void Dispose() => Disposed = true;
    }
}
