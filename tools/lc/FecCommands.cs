using System;
using System.IO;
using System.Threading;
using Librecast;
using Librecast.Fec;

namespace Librecast.Cli;

/// <summary>
/// <c>lc send --fec-rq</c> and <c>lc listen --fec-rq</c>: one object as librecast 0.5.1's FEC_RQ
/// coding puts it on the wire (4-byte payload id + one T-byte RaptorQ symbol a datagram).
/// </summary>
internal static class FecCommands
{
    /// <summary>
    /// Symbols a second <c>lc send --fec-rq</c> sends without --rate: about 20 Mbit/s at T 1024, as
    /// lc share's default. Unpaced, a 200 KB object overran the C receiver's default socket buffer
    /// on a loaded host (125 of 294 symbols arrived, in CI).
    /// </summary>
    internal const int DefaultSymbolRate = 2500;

    /// <summary>The options <c>lc send</c> gains for FEC.</summary>
    internal static readonly Opt[] SendOptions =
    {
        Opt.Flag("--fec-rq", null, "Send --file as librecast 0.5.1's LC_CODE_FEC_RQ coding does: 4-byte payload id + one RaptorQ symbol per datagram\n(receivers must know the file's size; with --key-file each datagram is sealed as librecast's FEC+SYMM). The datagrams are\n0.5.1's under every --wire (which still picks the channel's group); 0.9.1's and 0.11.2's FEC layouts are not spoken yet."),
        new("--symbol-size", null, ValueKind.Int, "T", "FEC: symbol size T in bytes, a multiple of 4 (librecast uses 1024).", FecCoding.LibrecastSymbolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("--overhead", null, ValueKind.Number, "PERCENT", "FEC: repair symbols to send beyond the K source symbols of each block, in percent of K (at least 2 a block).", "10"),
        new("--file", "-f", ValueKind.Text, "PATH", "FEC: the file to send."),
    };

    /// <summary>The options <c>lc listen</c> gains for FEC.</summary>
    internal static readonly Opt[] ListenOptions =
    {
        Opt.Flag("--fec-rq", null, "Receive one object sent with librecast's LC_CODE_FEC_RQ coding (lc send --fec-rq, or a C sender), decode it and write it to --output."),
        new("--object-size", null, ValueKind.Long, "F", "FEC: the object's size F in bytes (not on the wire: sender and receiver agree on it)."),
        new("--symbol-size", null, ValueKind.Int, "T", "FEC: symbol size T in bytes (librecast uses 1024).", FecCoding.LibrecastSymbolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("--output", "-o", ValueKind.Text, "PATH", "FEC: where to write the decoded object (written whole, via a temporary file and rename)."),
    };

    private static Oti LibrecastOti(long f, int t)
    {
        if (t < 4 || t % 4 != 0 || t > 65000) throw new UsageException($"--symbol-size must be a multiple of 4 from 4 to 65000 (got {t})");
        if (f < 1) throw new UsageException($"the object must be at least 1 byte (got {f})");
        if (f > int.MaxValue) throw new UsageException($"objects over 2 GiB are not supported (got {f} bytes)");
        try { return Oti.ForLibrecast(f, t); }
        catch (ArgumentException e) { throw new UsageException($"F {f} at T {t}: {e.Message}"); }
    }

    public static int Send(string? iface, int hopLimit, string? keyFile, string channelName, Parsed r)
    {
        Librecast.Sockets.VectorSymbolOps.Install();
        string path = r.Text("--file") ?? throw new UsageException("--fec-rq needs --file PATH");
        double overhead = r.Number("--overhead")!.Value;
        if (overhead < 0 || overhead > 10000) throw new UsageException($"--overhead must be 0..10000 percent (got {overhead})");
        byte[] data;
        try { data = System.IO.File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"cannot read {path}: {e.Message}"); }
        var oti = LibrecastOti(data.Length, r.Int("--symbol-size")!.Value);
        if (keyFile == null && FecCoding.PayloadIdLength + oti.T > Frame.MaxDatagram || keyFile != null && FecCoding.PayloadIdLength + oti.T > Librecast.Crypto.SecretBox.MaxPlaintext)
            throw new UsageException($"symbol size {oti.T} does not fit one datagram");
        UserKeyFile.Check(keyFile);
        int ifindex = Commands.ResolveInterface(iface);
        using var session = new Session(ifindex, channelName, hopLimit, keyFile);
        var encoder = new ObjectEncoder(oti, data, 0);
        var sender = new FecSender(encoder, session.Channel);
        int perBlock = oti.KL + Math.Max(2, (int)Math.Ceiling(oti.KL * overhead / 100));
        double rate = r.Number("--rate") ?? DefaultSymbolRate;
        var pace = new Librecast.Sockets.Pacer(rate);
        for (int j = 0; j < perBlock; j++)
        {
            sender.SendRound(1);
            pace.Sent(oti.Z);
        }
        Console.Error.WriteLine($"lc: sent {data.Length} bytes as {sender.Sent} symbols (F {oti.F}, T {oti.T}, Z {oti.Z}, K {oti.KL}) on {session.Channel} at {pace.Rate:F0} symbols/s");
        return Program.ExitOk;
    }

    public static int Listen(string? iface, double? timeoutSeconds, string? keyFile, string channelName, Parsed r)
    {
        Librecast.Sockets.VectorSymbolOps.Install();
        long f = r.Long("--object-size") ?? throw new UsageException("--fec-rq needs --object-size F (the sender's file size)");
        string output = r.Text("--output") ?? throw new UsageException("--fec-rq needs --output PATH");
        var oti = LibrecastOti(f, r.Int("--symbol-size")!.Value);
        Commands.CheckListenArguments(null, timeoutSeconds);
        UserKeyFile.Check(keyFile);
        int ifindex = Commands.ResolveInterface(iface);
        using var session = new Session(ifindex, channelName, keyFile: keyFile);
        session.Channel.Join();
        var receiver = new FecReceiver(oti, 16);
        Console.Error.WriteLine($"lc: listening for {oti.F} bytes (T {oti.T}, Z {oti.Z}, K {oti.KL}) on {session.Channel}");
        using var interrupted = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Set(); };
        var message = new Message(65536);
        long deadline = timeoutSeconds is double s ? Environment.TickCount64 + (long)(s * 1000) : long.MaxValue;
        long rejected = 0;
        while (!receiver.Decoder.Complete)
        {
            if (interrupted.IsSet) return Program.ExitInterrupted;
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                Console.Error.WriteLine($"lc: timed out after {timeoutSeconds} s: {receiver.Decoder.Received} of {receiver.Decoder.Needed} symbols needed arrived " +
                    $"({receiver.Decoder.BlocksDone} of {oti.Z} blocks decoded; {receiver.Malformed + rejected} datagrams rejected)");
                return Program.ExitTimeout;
            }
            ReceiveResult result = session.Socket.Receive(message, (int)Math.Min(left, 200));
            if (result == ReceiveResult.Ok) receiver.Offer(message.Buffer, message.PayloadOffset, message.PayloadLength);
            else if (result != ReceiveResult.Timeout) rejected++;
        }
        AtomicFile.Write(output, receiver.Decoder.Result, 0, (int)oti.F);
        Console.Error.WriteLine($"lc: decoded {oti.F} bytes from {receiver.Decoder.Received} symbols ({receiver.Decoder.Needed} needed) to {output}");
        return Program.ExitOk;
    }
}

/// <summary>Files that appear whole or not at all: written to a temporary file beside the target, fsynced, renamed.</summary>
internal static class AtomicFile
{
    public static void Write(string path, byte[] data, int offset, int count)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Environment.ProcessId + ".partial");
        try
        {
            using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(data, offset, count);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}
