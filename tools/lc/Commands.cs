using System;
using System.Text;
using System.Threading;
using Librecast;
using Librecast.Files;
using Librecast.Sockets;

namespace Librecast.Cli;

/// <summary>What the send and listen subcommands do, apart from parsing.</summary>
internal static class Commands
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static int Send(string? iface, bool raw, int hopLimit, int? countOption, double? duration, int? size, string policy, string? keyFile, string channelName, string? text, double? rate = null, NackSend? nack = null)
    {
        if (rate is <= 0) throw new UsageException($"--rate must be positive (got {rate})");
        if (countOption is < 1) throw new UsageException($"--count must be at least 1 (got {countOption})");
        if (duration is <= 0) throw new UsageException($"--duration must be positive (got {duration})");
        bool flood = countOption != null || size != null || duration != null || rate != null;
        int count = countOption ?? (duration != null ? int.MaxValue : 1);
        if (size != null && text != null) throw new UsageException("give MESSAGE or --size, not both");
        if (size == null && text == null) throw new UsageException("MESSAGE is missing (or give --size BYTES)");
        if (size is < 1) throw new UsageException($"--size must be at least 1 byte (got {size})");
        byte[] payload = size is int n ? Flood.Pattern(n) : StrictUtf8.GetBytes(text!);
        if (payload.Length == 0) throw new UsageException("message is empty: nothing to send");
        int max = (raw ? Frame.MaxDatagram : Frame.MaxPayload) - (keyFile == null ? 0 : Librecast.Crypto.SecretBox.Overhead);
        if (payload.Length > max)
            throw new UsageException($"message is {payload.Length} bytes; one {(keyFile == null ? "" : "encrypted ")}{(raw ? "raw datagram" : "framed message")} carries at most {max}");
        if (hopLimit < 0 || hopLimit > 255) throw new UsageException($"hop limit {hopLimit} is outside 0..255");
        UserKeyFile.Check(keyFile);
        int ifindex = ResolveInterface(iface);
        if (flood) return Flood.Send(ifindex, raw, hopLimit, count, duration, payload, policy, keyFile, channelName, rate, nack);

        using var session = new Session(ifindex, channelName, hopLimit, keyFile);
        Channel channel = session.Channel;
        NackResponder? responder = nack?.Start(channel, Frame.HeaderSize + payload.Length + (keyFile == null ? 0 : Librecast.Crypto.SecretBox.Overhead));
        if (raw) channel.Send(payload, 0, payload.Length);
        else channel.SendMessage(payload, 0, payload.Length);
        if (nack != null)
        {
            using var interrupted = new ManualResetEventSlim();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Set(); };
            nack.Linger(interrupted);
            responder!.Dispose();
            Console.Error.WriteLine("lc: " + NackCommands.Summary(session.Context));
            if (interrupted.IsSet) return Program.ExitInterrupted;
        }
        return Program.ExitOk;
    }

    internal static void CheckListenArguments(int? count, double? timeoutSeconds)
    {
        if (count is <= 0) throw new UsageException($"--count must be at least 1 (got {count})");
        if (timeoutSeconds is < 0 or > int.MaxValue / 1000) throw new UsageException($"--timeout must be between 0 and {int.MaxValue / 1000} seconds");
    }

    public static int Listen(string? iface, bool raw, int? count, double? timeoutSeconds, bool verbose, ListenSecurity security, string channelName, bool nack = false)
    {
        CheckListenArguments(count, timeoutSeconds);
        UserKeyFile.Check(security.KeyFile);
        int ifindex = ResolveInterface(iface);

        using var session = security.Open(ifindex, channelName);
        Context ctx = session.Context;
        Socket socket = session.Socket;
        Channel channel = session.Channel;
        channel.Join();
        if (nack) channel.DetectGaps(); // closed with the session
        if (verbose) Console.Error.WriteLine($"lc: listening on {channel} via {(iface ?? "the default interface")}");

        using var interrupted = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Set(); };

        var message = new Message(65536);
        var stdout = Console.OpenStandardOutput();
        byte[] newline = { (byte)'\n' };
        long deadline = timeoutSeconds is double s ? Environment.TickCount64 + (long)(s * 1000) : long.MaxValue;
        int received = 0;
        int exit = Program.ExitOk;
        while (count == null || received < count)
        {
            if (interrupted.IsSet) { exit = Program.ExitInterrupted; break; }
            long left = deadline - Environment.TickCount64;
            if (left <= 0) { exit = Program.ExitTimeout; break; }
            // Wake at least every 200 ms to notice Ctrl-C.
            int wait = (int)Math.Min(left, 200);
            ReceiveResult result = raw ? socket.Receive(message, wait) : socket.ReceiveMessage(message, wait);
            switch (result)
            {
                case ReceiveResult.Ok:
                    stdout.Write(message.Buffer, message.PayloadOffset, message.PayloadLength);
                    stdout.Write(newline, 0, 1);
                    stdout.Flush();
                    received++;
                    break;
                case ReceiveResult.Malformed:
                case ReceiveResult.Truncated:
                    if (verbose)
                        Console.Error.WriteLine($"lc: dropped {message.Length}-byte datagram from [{GroupAddress.Format(message.Info.Source, 0)}]:{message.Info.SourcePort}: " +
                            (result == ReceiveResult.Truncated ? "larger than the receive buffer" : $"not a librecast frame ({Describe(message.Status)})"));
                    break;
                case ReceiveResult.Unauthenticated:
                    if (verbose)
                        Console.Error.WriteLine($"lc: dropped {message.Length}-byte datagram from [{GroupAddress.Format(message.Info.Source, 0)}]:{message.Info.SourcePort}: does not open with the channel key (forged, tampered, other key, or in clear)");
                    break;
                case ReceiveResult.Unauthorized:
                    if (verbose)
                        Console.Error.WriteLine($"lc: dropped {message.Length}-byte datagram from [{GroupAddress.Format(message.Info.Source, 0)}]:{message.Info.SourcePort}: " +
                            (channel.TokenFilter is { } filter ? Restricted.Describe(filter.LastVerdict) : "not for a restricted channel of this socket"));
                    break;
                case ReceiveResult.Duplicate:
                    if (verbose)
                        Console.Error.WriteLine($"lc: dropped seq {message.Header.Sequence} from [{GroupAddress.Format(message.Info.Source, 0)}]:{message.Info.SourcePort}: " +
                            $"a copy of a message already received on another interface (an unbound librecast 0.9+ sender sends one per interface)");
                    break;
                case ReceiveResult.Replayed:
                    if (verbose)
                        Console.Error.WriteLine($"lc: dropped seq {message.Header.Sequence} from [{GroupAddress.Format(message.Info.Source, 0)}]:{message.Info.SourcePort}: {message.Replay switch
                        {
                            Librecast.Security.ReplayVerdict.Duplicate => "already received (duplicate, replay or a second repair)",
                            Librecast.Security.ReplayVerdict.Stale => "timestamp outside --max-age",
                            _ => "older than the replay window",
                        }}");
                    break;
            }
        }
        if (exit == Program.ExitTimeout)
            Console.Error.WriteLine(count == null
                ? $"lc: timeout after {timeoutSeconds} s: {received} message(s) received"
                : $"lc: timed out after {timeoutSeconds} s: {received} of {count} message(s) received");
        if (verbose) Console.Error.WriteLine("lc: counters " + ctx.Counters);
        if (nack) Console.Error.WriteLine("lc: " + NackCommands.Summary(ctx));
        if (ListenSecurity.Summary(session) is string replay) Console.Error.WriteLine("lc: " + replay);
        if (Restricted.Summary() is string restricted) Console.Error.WriteLine("lc: " + restricted);
        // No --count: listening until the timeout is the request, not a failure.
        return exit == Program.ExitTimeout && count == null ? Program.ExitOk : exit;
    }

    // An interface that does not exist is the user's typo, not a network failure: exit 2.
    internal static int ResolveInterface(string? iface)
    {
        try
        {
            return Interfaces.Resolve(iface);
        }
        catch (LibrecastException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static string Describe(FrameStatus status) => status switch
    {
        FrameStatus.TooShort => "shorter than the 33-byte header",
        FrameStatus.LengthMismatch => "length field disagrees with datagram size",
        _ => status.ToString(),
    };
}
