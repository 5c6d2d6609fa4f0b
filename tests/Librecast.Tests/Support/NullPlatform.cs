using System;

namespace Librecast.Tests.Support;

/// <summary>A platform whose transport discards what it is sent: for measuring the core alone.</summary>
public sealed class NullPlatform : IPlatform
{
    public long Datagrams;
    public long Bytes;
    private ulong state = 42;

    public ITransport OpenTransport() => new NullTransport(this);
    public ulong NowNanoseconds() => 1_795_000_000_000_000_000;
    public long MonotonicMilliseconds() => Environment.TickCount64;

    public void FillRandom(byte[] buffer, int offset, int count)
    {
        for (int i = 0; i < count; i++)
        {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            buffer[offset + i] = (byte)(state >> 56);
        }
    }

    private sealed class NullTransport(NullPlatform platform) : ITransport
    {
        public void Bind(int port) { }
        public void SetInterface(int interfaceIndex) { }
        public void SetHopLimit(int hops) { }
        public void SetLoopback(bool enabled) { }
        public void Join(byte[] group, int offset, int interfaceIndex) { }
        public void Leave(byte[] group, int offset, int interfaceIndex) { }

        public int Send(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port)
        {
            platform.Datagrams++;
            platform.Bytes += count;
            return count;
        }

        public int Receive(byte[] buffer, int offset, int count, int timeoutMs, DatagramInfo info) => -1;
        public void Dispose() { }
    }
}
