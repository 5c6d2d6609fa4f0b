using System;
using System.Diagnostics;
using System.Threading;
using Librecast;
using Librecast.Files;
using Librecast.Sockets;

namespace Librecast.Cli;

/// <summary>Flood mode: send as fast as possible through the publish ring, and receive with figures instead of payloads.</summary>
internal static class Flood
{
    /// <summary>A recognisable payload of <paramref name="size"/> bytes.</summary>
    public static byte[] Pattern(int size)
    {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) p[i] = (byte)('a' + i % 26);
        return p;
    }

    private static OverflowPolicy ParsePolicy(string policy) => policy switch
    {
        "drop-write" or "drop-newest" => OverflowPolicy.DropWrite, // drop-newest: the old name, kept for scripts
        "drop-oldest" => OverflowPolicy.DropOldest,
        _ => OverflowPolicy.Block,
    };

    private static string Figures(long messages, long bytes, double seconds) =>
        $"{messages} msgs {bytes} bytes in {seconds:F3} s = {(seconds > 0 ? messages / seconds : 0):F0} msg/s";

    public static int Send(int ifindex, bool raw, int hopLimit, int count, double? duration, byte[] payload, string policy, string? keyFile, string channelName, double? rate = null, NackSend? nack = null)
    {
        using var session = new Session(ifindex, channelName, hopLimit, keyFile);
        Context ctx = session.Context;
        Socket socket = session.Socket;
        Channel channel = session.Channel;
        int bufferSize = 64;
        int overhead = Frame.HeaderSize + (keyFile == null ? 0 : Librecast.Crypto.SecretBox.Overhead);
        while (bufferSize < payload.Length + overhead) bufferSize <<= 1;
        int errors = 0;
        socket.SendErrorHandler = e => { if (Interlocked.Increment(ref errors) == 1) Console.Error.WriteLine("lc: " + e.Message); };
        Publisher publisher = socket.StartPublisher(new PublisherOptions
        {
            Capacity = 4096,
            BufferSize = bufferSize,
            Policy = ParsePolicy(policy),
            BatchSize = 64,
            // One thread publishes and, every batch, sends: a second sender thread would compete
            // for the cores with the receiver on small machines (measured: 10% receiver loss on
            // 2 cores with a sender thread).
            StartThread = false,
        });
        NackResponder? responder = nack?.Start(channel, payload.Length + overhead);

        // Unbound on the 0.9+ wire, every message goes out once per multicast interface, as
        // librecast 0.9+ sends; 'sent' counts each copy, the figures count messages.
        int copies = Math.Max(1, socket.SendInterfaces(channel).Length);
        if (copies > 1)
            Console.Error.WriteLine($"lc: no --interface on the {Program.Wire} wire: each message goes out on each of {copies} multicast interfaces (counters count every copy)");

        // Ctrl-C ends the flood early, and what was sent is still reported.
        int interrupted = 0;
        CancelKeyPressHandler onCancel = (_, e) => { e.Cancel = true; Volatile.Write(ref interrupted, 1); };
        Console.CancelKeyPress += onCancel;
        var clock = Stopwatch.StartNew();
        long stopAt = duration is double d ? Stopwatch.GetTimestamp() + (long)(d * Stopwatch.Frequency) : long.MaxValue;
        long start = Stopwatch.GetTimestamp();
        double ticksPerMessage = rate is double r ? Stopwatch.Frequency / r : 0;
        for (int i = 0; i < count; i++)
        {
            // Paced: spin to this message's slot, then send it at once (no batching delay).
            if (ticksPerMessage > 0) while (Stopwatch.GetTimestamp() - start < (long)(i * ticksPerMessage)) Thread.SpinWait(1);
            if (raw) channel.PublishRaw(payload, 0, payload.Length);
            else channel.Publish(payload, 0, payload.Length);
            if (ticksPerMessage > 0 || (i & 63) == 63) publisher.DoWork();
            if ((i & 1023) == 0 && (Stopwatch.GetTimestamp() >= stopAt || Volatile.Read(ref interrupted) != 0)) break;
        }
        Console.CancelKeyPress -= onCancel;
        double? flooded = null; // the flood's own time, without the linger
        if (nack != null)
        {
            while (publisher.DoWork() > 0) { } // out before lingering
            flooded = clock.Elapsed.TotalSeconds;
            using var stop = new ManualResetEventSlim();
            CancelKeyPressHandler onStop = (_, e) => { e.Cancel = true; Volatile.Write(ref interrupted, 1); stop.Set(); };
            Console.CancelKeyPress += onStop;
            if (Volatile.Read(ref interrupted) == 0) nack.Linger(stop);
            Console.CancelKeyPress -= onStop;
            responder!.Dispose();
        }
        socket.Dispose(); // stops the sender once everything queued has gone out
        double seconds = flooded ?? clock.Elapsed.TotalSeconds;
        Counters c = ctx.Counters;
        // Sent counts datagrams: every copy an unbound 0.9+ socket sends per interface, and NACK
        // resends (each fanned out the same way).
        long messages = (c.Sent - ctx.NackCounters.Get(NackCounter.Resent) * copies) / copies;
        Console.Out.WriteLine(Figures(messages, messages * payload.Length, seconds));
        Console.Out.WriteLine("counters " + c);
        if (nack != null) Console.Out.WriteLine(NackCommands.Summary(ctx));
        if (Volatile.Read(ref interrupted) != 0) return Program.ExitInterrupted;
        return c.SendErrors > 0 ? Program.ExitFailure : Program.ExitOk;
    }

    public static int ListenQuiet(string? iface, int? count, double? timeoutSeconds, ListenSecurity security, bool singleThread, bool gro, string channelName, bool nack = false)
    {
        Commands.CheckListenArguments(count, timeoutSeconds);
        UserKeyFile.Check(security.KeyFile);
        int ifindex = Commands.ResolveInterface(iface);
        using var session = security.Open(ifindex, channelName);
        Context ctx = session.Context;
        Socket socket = session.Socket;
        Channel channel = session.Channel;
        channel.Join();
        if (nack) channel.DetectGaps(); // closed with the session

        // Preallocated: the handler runs once per message on the receive (or dispatcher) thread. Latencies
        // are a sample: the last 2^20 messages.
        long capacity = count ?? long.MaxValue;
        long[] latencies = new long[(int)Math.Min(capacity, 1 << 20)];
        Array.Fill(latencies, -1L); // touch every page now, so memory use is flat from the start
        long received = 0, bytes = 0, firstNs = 0, lastNs = 0;
        ulong minSeq = ulong.MaxValue, maxSeq = 0;
        using var done = new ManualResetEventSlim();
        var platform = SocketsPlatform.Instance;
        socket.Listen(m =>
        {
            // One clock reading per message (the wall clock the sender stamps with), for both the
            // latency and the rate over a few seconds: two readings were 18% of
            // the receiving thread's profile in a flood (the C receiver reads once per batch).
            long now = (long)platform.NowNanoseconds();
            if (received == 0) firstNs = now;
            lastNs = now;
            latencies[received % latencies.Length] = now - (long)m.Header.Timestamp;
            ulong seq = m.Header.Sequence;
            if (seq < minSeq) minSeq = seq;
            if (seq > maxSeq) maxSeq = seq;
            bytes += m.PayloadLength;
            if (++received == capacity) done.Set();
        }, null, e => Console.Error.WriteLine("lc: " + e.Message),
            new ListenOptions { MessageCapacity = Frame.MaxDatagram, SingleThread = singleThread, Gro = gro });
        Console.Error.WriteLine($"lc: listening on {channel}");

        using var interrupted = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Set(); };
        int timeoutMs = timeoutSeconds is double s ? (int)(s * 1000) : Timeout.Infinite;
        int which = WaitHandle.WaitAny(new[] { done.WaitHandle, interrupted.WaitHandle }, timeoutMs);
        socket.ListenCancel();

        double seconds = received > 1 ? (lastNs - firstNs) / 1e9 : 0;
        Console.Out.WriteLine(Figures(received, bytes, seconds));
        // One sender numbering from its first message: the gaps in what arrived are the losses.
        long expected = received == 0 ? 0 : (long)(maxSeq - minSeq + 1);
        Console.Out.WriteLine($"lost {Math.Max(0, expected - received)} (sequence gaps between seq {(received == 0 ? 0 : minSeq)} and {maxSeq})");
        int n = (int)Math.Min(received, latencies.Length);
        if (n > 0)
        {
            Array.Sort(latencies, 0, n);
            Console.Out.WriteLine($"latency p50 {latencies[n / 2] / 1000.0:F1} us p99 {latencies[Math.Min(n - 1, n * 99 / 100)] / 1000.0:F1} us (publish->receive, same-host clock)");
        }
        Console.Out.WriteLine("counters " + ctx.Counters);
        if (nack) Console.Out.WriteLine(NackCommands.Summary(ctx));
        if (ListenSecurity.Summary(session) is string replay) Console.Out.WriteLine(replay);
        if (Restricted.Summary() is string restricted) Console.Out.WriteLine(restricted);
        if (which == 1) return Program.ExitInterrupted;
        if (which == WaitHandle.WaitTimeout && count != null)
        {
            Console.Error.WriteLine($"lc: timed out after {timeoutSeconds} s: {received} of {count} message(s) received");
            return Program.ExitTimeout;
        }
        return Program.ExitOk;
    }
}
