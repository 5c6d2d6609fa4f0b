using System;
using System.IO;
using System.Threading;
using Librecast;
using Librecast.Files;
using Librecast.Fec;

namespace Librecast.Cli;

/// <summary>
/// <c>lc send --fec-rq</c> and <c>lc listen --fec-rq</c>: one object as librecast's FEC_RQ coding
/// puts it on the wire under the chosen --wire: 0.5.1's payload id + symbol, 0.9.1's
/// [OTI] + payload id + symbol, 0.11.2's object id + [OTI] + payload id + symbol (docs/fec.md).
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
        Opt.Flag("--fec-rq", null, "Send --file as librecast's LC_CODE_FEC_RQ coding does under --wire: 0.11 (default) object id (BLAKE3 of the file)\n" +
            "+ payload id (SBN, ESI) + one RaptorQ symbol per datagram; 0.9 the same without object id; 0.5 0.5.1's payload id (ESI, SBN)\n" +
            "+ symbol. Symbols go as librecast sends them: in each block ESI 0..K-1, then repair symbols (random ESIs from 0.9),\n" +
            "K'+10 per block a round (0.5: K'+5), block after block. With --key-file: 0.11 seals the whole file, then encodes it;\n" +
            "0.9 and 0.5 seal each datagram. Without --oti receivers must know the file's size."),
        Opt.Flag("--oti", null, "FEC, --wire 0.9 or 0.11: every datagram carries the OTI (F, T, Z, N, Al; librecast's LC_CODE_FEC_OTI), so receivers\n" +
            "need no --object-size. 0.9 with --key-file drops it, as librecast 0.9.1 does."),
        Opt.Flag("--fec-rand", null, "FEC, --wire 0.9 or 0.11: every symbol a repair symbol with a random ESI (librecast's LC_CODE_FEC_RAND)."),
        new("--symbol-size", null, ValueKind.Int, "T", "FEC: symbol size T in bytes, a multiple of 4 (librecast uses 1024).", FecCoding.LibrecastSymbolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("--overhead", null, ValueKind.Number, "PERCENT", "FEC: send whole rounds until each block had its K source symbols and this many more, in percent of K (at least 2).", "10"),
        new("--file", "-f", ValueKind.Text, "PATH", "FEC: the file to send."),
    };

    /// <summary>The options <c>lc listen</c> gains for FEC.</summary>
    internal static readonly Opt[] ListenOptions =
    {
        Opt.Flag("--fec-rq", null, "Receive one object sent with librecast's LC_CODE_FEC_RQ coding under --wire (lc send --fec-rq, or a C sender), decode it\n" +
            "and write it to --output. 0.11: written only if its BLAKE3 is the object id the datagrams carry. Datagrams of another\n" +
            "object (object id or OTI) are dropped and counted."),
        new("--object-size", null, ValueKind.Long, "F", "FEC: the object's size F in bytes (the plaintext's, with --key-file). Needed when the datagrams carry no OTI\n" +
            "(--wire 0.5; 0.9 with --key-file; a sender without --oti/LC_CODE_FEC_OTI); without it F, T, Z, N, Al come from the OTI."),
        new("--symbol-size", null, ValueKind.Int, "T", "FEC: symbol size T in bytes, with --object-size (librecast uses 1024).", FecCoding.LibrecastSymbolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
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

    /// <summary>0.11 with a key seals the object before FEC; the channel then carries no key (the datagrams are not sealed again).</summary>
    private static bool SealsObject(WireProfile wire, string? keyFile) => keyFile != null && wire.SealsObjectBeforeFec;

    public static int Send(string? iface, int hopLimit, string? keyFile, string channelName, Parsed r)
    {
        Librecast.Sockets.VectorSymbolOps.Install();
        WireProfile wire = Program.Wire;
        string path = r.Text("--file") ?? throw new UsageException("--fec-rq needs --file PATH");
        bool oti = r.Flag("--oti"), rand = r.Flag("--fec-rand");
        if (!wire.FecOti && (oti || rand))
            throw new UsageException($"--oti and --fec-rand need --wire 0.9 or 0.11 (librecast {wire.Release}'s FEC has neither)");
        double overhead = r.Number("--overhead")!.Value;
        if (overhead < 0 || overhead > 10000) throw new UsageException($"--overhead must be 0..10000 percent (got {overhead})");
        byte[] data;
        try { data = System.IO.File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"cannot read {path}: {e.Message}"); }
        if (data.Length == 0) throw new UsageException($"the object must be at least 1 byte ({path} is empty)");
        UserKeyFile.Check(keyFile);
        byte[]? objectId = null;
        if (wire.FecObjectId)
        {
            objectId = new byte[FecCoding.ObjectIdLength];
            Blake3Hasher.Hash(data, 0, data.Length, objectId, 0);
        }
        byte[] encoded = data;
        bool sealsObject = SealsObject(wire, keyFile);
        if (sealsObject)
        {
            byte[] key = UserKeyFile.Read(keyFile!);
            Librecast.Crypto.SecretBox sealer;
            try { sealer = new Librecast.Crypto.SecretBox(key); }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(key); }
            using var box = sealer;
            encoded = FecCoding.SealObject(box, data, 0, data.Length, Librecast.Sockets.SocketsPlatform.Instance);
        }
        var parameters = LibrecastOti(encoded.Length, r.Int("--symbol-size")!.Value);
        int ifindex = Commands.ResolveInterface(iface);
        using var session = new Session(ifindex, channelName, hopLimit, sealsObject ? null : keyFile);
        var encoder = new ObjectEncoder(parameters, encoded, 0);
        FecSender sender;
        try { sender = new FecSender(encoder, session.Channel, wire, oti, rand, objectId, Librecast.Sockets.SocketsPlatform.Instance); }
        catch (ArgumentException e) { throw new UsageException($"symbol size {parameters.T}: {e.Message}"); }
        if (oti && !sender.CarriesOti)
            Console.Error.WriteLine($"lc: --wire {wire.Name} with --key-file sends no OTI (as librecast {wire.Release} does): receivers need --object-size {data.Length}");
        int perBlock = parameters.KL + Math.Max(2, (int)Math.Ceiling(parameters.KL * overhead / 100));
        int rounds = Math.Max(1, (perBlock + sender.BlockRoundSymbols(0) - 1) / sender.BlockRoundSymbols(0));
        long total = (long)rounds * sender.RoundSymbols;
        double rate = r.Number("--rate") ?? DefaultSymbolRate;
        var pace = new Librecast.Files.Pacer(rate);
        for (long i = 0; i < total; i++)
        {
            sender.SendNext();
            pace.Sent(1);
        }
        string sealedNote = sealsObject ? $", sealed first: F {parameters.F} = {data.Length} + 40" : "";
        Console.Error.WriteLine($"lc: sent {data.Length} bytes as {sender.Sent} symbols in {rounds} round(s) (wire {wire.Name}, F {parameters.F}, T {parameters.T}, Z {parameters.Z}, K {parameters.KL}" +
            $"{(sender.CarriesOti ? ", OTI in each" : "")}{(rand ? ", random ESIs" : "")}{sealedNote}) on {session.Channel} at {pace.Rate:F0} symbols/s");
        return Program.ExitOk;
    }

    public static int Listen(string? iface, double? timeoutSeconds, string? keyFile, string channelName, Parsed r)
    {
        Librecast.Sockets.VectorSymbolOps.Install();
        WireProfile wire = Program.Wire;
        long? f = r.Long("--object-size");
        if (f == null && !wire.FecOti)
            throw new UsageException($"--fec-rq needs --object-size F (the sender's file size) under --wire {wire.Name}: librecast {wire.Release} sends no OTI");
        if (f == null && keyFile != null && wire.FecSymmDropsOti)
            throw new UsageException($"--fec-rq with --key-file needs --object-size F under --wire {wire.Name}: librecast {wire.Release} drops the OTI with SYMM");
        string output = r.Text("--output") ?? throw new UsageException("--fec-rq needs --output PATH");
        bool sealsObject = SealsObject(wire, keyFile);
        Oti? given = f is long size ? LibrecastOti(size + (sealsObject ? Librecast.Crypto.SecretBox.Overhead : 0), r.Int("--symbol-size")!.Value) : null;
        Commands.CheckListenArguments(null, timeoutSeconds);
        UserKeyFile.Check(keyFile);
        int ifindex = Commands.ResolveInterface(iface);
        Librecast.Crypto.SecretBox? box = null;
        if (sealsObject)
        {
            byte[] key = UserKeyFile.Read(keyFile!);
            try { box = new Librecast.Crypto.SecretBox(key); }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(key); }
        }
        using var boxLifetime = box;
        using var session = new Session(ifindex, channelName, keyFile: sealsObject ? null : keyFile);
        session.Channel.Join();
        var receiver = new FecReceiver(wire, given, 16, box);
        Console.Error.WriteLine(given != null
            ? $"lc: listening for {f} bytes (wire {wire.Name}, T {given.T}, Z {given.Z}, K {given.KL}) on {session.Channel}"
            : $"lc: listening for an object (wire {wire.Name}, F and T from its OTI) on {session.Channel}");
        using var interrupted = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Set(); };
        var message = new Message(65536);
        long deadline = timeoutSeconds is double s ? Environment.TickCount64 + (long)(s * 1000) : long.MaxValue;
        long rejected = 0;
        while (!receiver.Complete)
        {
            if (interrupted.IsSet) return Program.ExitInterrupted;
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                ObjectDecoder? d = receiver.Decoder;
                string progress = d == null
                    ? "no datagram with a valid OTI arrived"
                    : $"{d.Received} of {d.Needed} symbols needed arrived ({d.BlocksDone} of {d.Oti.Z} blocks decoded)";
                Console.Error.WriteLine($"lc: timed out after {timeoutSeconds} s: {progress}; {Dropped(receiver, rejected)}");
                if (Restricted.Summary() is string restrictedSummary) Console.Error.WriteLine("lc: " + restrictedSummary);
                return Program.ExitTimeout;
            }
            ReceiveResult result = session.Socket.Receive(message, (int)Math.Min(left, 200));
            if (result == ReceiveResult.Ok) receiver.Offer(message.Buffer, message.PayloadOffset, message.PayloadLength);
            else if (result != ReceiveResult.Timeout && result != ReceiveResult.Unauthorized) rejected++; // token rejections: in the restricted summary
        }
        AtomicFile.Write(output, receiver.Result!, 0, receiver.ResultLength);
        ObjectDecoder done = receiver.Decoder!;
        string check = wire.FecObjectId ? ", BLAKE3 = its object id" : "";
        if (Restricted.Summary() is string restricted) Console.Error.WriteLine("lc: " + restricted);
        Console.Error.WriteLine($"lc: decoded {receiver.ResultLength} bytes from {done.Received} symbols ({done.Needed} needed; F {done.Oti.F}, T {done.Oti.T}, Z {done.Oti.Z}{check}) to {output}; {Dropped(receiver, rejected)}");
        return Program.ExitOk;
    }

    private static string Dropped(FecReceiver r, long rejected) =>
        $"dropped {r.Malformed + rejected} malformed, {r.OtiMismatch} with another OTI, {r.OtherObject} of another object; " +
        $"{r.RefusedObjects} decoded object(s) refused (BLAKE3 not the object id, or did not open)";
}
