using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;

namespace LibrecastIoT.Sensor;

/// <summary>
/// The twin's stand-in for the board's SNTP client pointed at <c>sntp SERVER</c>
/// (librecast.conf): with <c>--clock unset</c> it asks SERVER (SNTP, RFC 4330, UDP port 123) every
/// 15 s until it answers, then gives the answer to <see cref="NodeClock.TakeSntp"/> once, as the
/// board's clock is stepped once; whichever comes first, this answer or lcgw's time beacon, sets
/// the node's time. On the device nanoFramework's own client asks (Device/SntpServers.cs).
/// </summary>
public static class HostSntp
{
    /// <summary>Wait between two unanswered requests (lwIP's SNTP_RETRY_TIMEOUT is 15 s by default).</summary>
    public const int RetryMs = 15000;

    /// <summary>How long one request waits for its answer.</summary>
    public const int AnswerTimeoutMs = 2000;

    private const long NtpToUnixSeconds = 2208988800L;

    /// <summary>Starts the background thread asking <paramref name="server"/> for <paramref name="clock"/>.</summary>
    public static Thread Start(string server, NodeClock clock, INodeLog log, CancellationToken stop)
    {
        var thread = new Thread(() => Loop(server, clock, log, stop)) { IsBackground = true, Name = "sntp" };
        thread.Start();
        return thread;
    }

    private static void Loop(string server, NodeClock clock, INodeLog log, CancellationToken stop)
    {
        log.Line($"sntp: asking {server} (every {RetryMs / 1000} s until it answers)");
        int failures = 0;
        while (!stop.IsCancellationRequested)
        {
            long? unixMs = Query(server, AnswerTimeoutMs, out string? problem);
            if (unixMs != null)
            {
                bool taken;
                lock (clock) taken = clock.TakeSntp(unixMs.Value);
                log.Line(taken
                    ? $"sntp: {server} answered {DateTimeOffset.FromUnixTimeMilliseconds(unixMs.Value):yyyy-MM-ddTHH:mm:ss.fffZ}; the node's time is set from it"
                    : $"sntp: {server} answered {unixMs.Value} ms, before 2020 or not newer than the last answer: ignored");
                if (taken) return;
            }
            else if (++failures == 1 || failures % 20 == 0)
                log.Line($"sntp: no answer from {server} ({problem}; {failures} unanswered so far); retrying every {RetryMs / 1000} s");
            if (stop.WaitHandle.WaitOne(RetryMs)) return;
        }
    }

    /// <summary>
    /// One SNTP request to <paramref name="server"/>:123; the server's transmit time in Unix ms
    /// corrected by half the round trip, or null (<paramref name="problem"/> says why). An answer
    /// is taken only if it echoes the request's random transmit timestamp, is a server's (mode 4),
    /// has a stratum of 1..15 and no "unsynchronized" alarm (RFC 4330 5).
    /// </summary>
    public static long? Query(string server, int timeoutMs, out string? problem)
    {
        problem = null;
        try
        {
            IPAddress[] addresses = IPAddress.TryParse(server, out IPAddress? literal) ? new[] { literal } : Dns.GetHostAddresses(server);
            if (addresses.Length == 0) { problem = "no address for the name"; return null; }
            using var socket = new Socket(addresses[0].AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.ReceiveTimeout = timeoutMs;
            var request = new byte[48];
            request[0] = 0x23; // LI 0, version 4, mode 3 (client)
            RandomNumberGenerator.Fill(request.AsSpan(40, 8)); // our "transmit timestamp": the answer must echo it
            var endpoint = new IPEndPoint(addresses[0], 123);
            long sentMs = Environment.TickCount64;
            socket.SendTo(request, endpoint);
            var answer = new byte[512];
            EndPoint from = new IPEndPoint(addresses[0].AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            while (true)
            {
                int n = socket.ReceiveFrom(answer, ref from);
                long roundTripMs = Environment.TickCount64 - sentMs;
                if (n < 48 || !answer.AsSpan(24, 8).SequenceEqual(request.AsSpan(40, 8))) continue; // not our answer
                int mode = answer[0] & 7, leap = answer[0] >> 6, stratum = answer[1];
                if (mode != 4) { problem = $"mode {mode}, not a server's answer"; return null; }
                if (leap == 3 || stratum == 0 || stratum > 15) { problem = $"the server is not synchronized (leap {leap}, stratum {stratum})"; return null; }
                long seconds = BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(40, 4));
                long fraction = BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(44, 4));
                return (seconds - NtpToUnixSeconds) * 1000 + (fraction * 1000 >> 32) + roundTripMs / 2;
            }
        }
        catch (SocketException e)
        {
            problem = e.SocketErrorCode == SocketError.TimedOut ? $"no answer within {timeoutMs} ms" : e.Message;
            return null;
        }
    }
}
