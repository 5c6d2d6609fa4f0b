using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Librecast;
using Librecast.Files;
using Librecast.Fec;
using Librecast.Sockets;

namespace Librecast.Cli;

/// <summary>
/// <c>lc share</c> and <c>lc fetch</c>: files to every listening device at once over RaptorQ
/// (the protocol is in docs/fec.md). The sender announces each file on CHANNEL and streams its
/// symbols on a sideband of CHANNEL, round after round at a rate limit; a receiver that joins at
/// any time collects symbols until the file decodes, checks its BLAKE3 hash, and only then writes it.
/// </summary>
internal static class Share
{
    private static Opt Iface() => new("--interface", "-i", ValueKind.Text, "IF", "Network interface (name or index). Default: the default route.");
    private static Opt Key() => Program.KeyFileOption("Encrypt announcements and symbols with the 32-byte key in FILE (librecast's SYMM coding; chmod 600).");

    public static Cmd ShareCommand() => new("share", "share <PATH... CHANNEL>", "share <PATH... CHANNEL>... [options]",
        "Share files with every receiver of CHANNEL (lc fetch), RaptorQ-coded: each round announces every file (name, size,\n" +
        "BLAKE3 hash, RaptorQ parameters; again after every 100 ms of its symbols) and sends a fresh batch of its symbols;\n" +
        "receivers joining at any time decode from whatever symbols reach them. The symbols are --wire's FEC datagrams\n" +
        "(0.11: led by the file's BLAKE3 as librecast's object id; with a key the whole file is sealed first).\n" +
        "Progress on stderr: a line per round, and every 10 % of a round that lasts more than 2 s.\n" +
        "Example: lc share -i eth0 --rate 50 lcgw.bin config.json fleet/files",
        new[]
        {
            Iface(), Key(),
            new Opt("--rate", null, ValueKind.Text, "MBITS", "Send at most MBITS megabits per second (symbols and announcements), or 'unlimited':\nas fast as the machine sends (no pacing; a slow receiver loses symbols).", "20"),
            new Opt("--rounds", null, ValueKind.Int, "N", "Stop after N rounds (default: until interrupted)."),
            new Opt("--join-wait", null, ValueKind.Number, "SECONDS", "Wait SECONDS after a file's first announcement before its symbols, so that\nreceivers already listening can join (more on a routed network; 0: no wait).", "0.2"),
            new Opt("--symbol-size", null, ValueKind.Int, "T", "RaptorQ symbol size T in bytes (multiple of 4).", Librecast.Fec.FecCoding.LibrecastSymbolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Opt("--hop-limit", null, ValueKind.Int, "N", "Multicast hop limit.", "255"),
        },
        new[] { new[] { "<PATH... CHANNEL>", "Files to share, then the channel to announce them on (symbols go on its sidebands)." } }, 2, 1000,
        r =>
        {
            string[] all = r.Operands.ToArray();
            return Send(r.Text("--interface"), r.Text("--key-file"), ParseRate(r.Text("--rate")!), r.Int("--rounds"), r.Number("--join-wait")!.Value, r.Int("--symbol-size")!.Value, r.Int("--hop-limit")!.Value, all[..^1], all[^1]);
        });

    public static Cmd FetchCommand() => new("fetch", "fetch <CHANNEL>", "fetch <CHANNEL> [options]",
        "Fetch files shared on CHANNEL (lc share): decode, check each file's BLAKE3 hash, and write it to DIR atomically\n" +
        "(temporary file, fsync, rename). A file whose hash does not match (under --wire 0.11: the announced hash and the\n" +
        "object id its symbols carry) is never written, not even a temporary file (exit 1).\n" +
        "Progress: a bar on a terminal, otherwise a line every 10 %.\n" +
        "Example: lc fetch -i eth0 --output /var/lib/images -t 600 fleet/files",
        new[]
        {
            Iface(), Key(),
            new Opt("--output", "-o", ValueKind.Text, "DIR", "Directory to write fetched files to.", "."),
            new Opt("--count", "-n", ValueKind.Int, "N", "Fetch N files, then exit.", "1"),
            new Opt("--timeout", "-t", ValueKind.Seconds, "SECONDS", "Give up after SECONDS (exit 3)."),
            new Opt("--max-size", null, ValueKind.Long, "BYTES", "Refuse files larger than BYTES (memory: about 2.2 x the size).", (512L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        },
        new[] { new[] { "<CHANNEL>", "Channel the files are announced on." } }, 1, 1,
        r => Fetch(r.Text("--interface"), r.Text("--key-file"), r.Text("--output")!, r.Int("--count")!.Value, r.Number("--timeout"), r.Long("--max-size")!.Value, r.Operand(0)!));

    // --rate: Mbit/s, or "unlimited" (infinity: the pacer only counts).
    private static double ParseRate(string text)
    {
        if (text == "unlimited") return double.PositiveInfinity;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double mbit) || !double.IsFinite(mbit) || mbit <= 0)
            throw new UsageException($"--rate must be a number greater than 0 (got '{text}') or 'unlimited'");
        if (mbit > 100_000) throw new UsageException($"--rate must be at most 100000 Mbit/s or 'unlimited' (got '{text}')");
        return mbit;
    }

    private static int Send(string? iface, string? keyFile, double rateMbit, int? rounds, double joinWait, int t, int hops, string[] paths, string channelName)
    {
        VectorSymbolOps.Install();
        if (rounds is < 1) throw new UsageException($"--rounds must be at least 1 (got {rounds})");
        if (joinWait < 0 || joinWait > 3600) throw new UsageException($"--join-wait must be 0..3600 seconds (got {joinWait})");
        if (!ShareSender.IsValidSymbolSize(t)) throw new UsageException($"--symbol-size must be a multiple of 4 up to {ShareSender.MaxSymbolSize} (got {t})");
        if (hops < 0 || hops > 255) throw new UsageException($"hop limit {hops} is outside 0..255");
        UserKeyFile.Check(keyFile);
        int ifindex = Commands.ResolveInterface(iface);
        byte[]? key = keyFile == null ? null : UserKeyFile.Read(keyFile);
        Session session;
        ShareSender sharer;
        try
        {
            session = new Session(ifindex, channelName, hops, keyFile);
            try { sharer = new ShareSender(session.Socket, session.Channel, key, t, new Pacer(rateMbit * 1e6 / 8)) { JoinWaitSeconds = joinWait }; }
            catch { session.Dispose(); throw; }
        }
        finally
        {
            // The sharer keeps its own copy: ours is wiped on every path, a failed set-up too.
            if (key != null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
        using var sessionOwned = session;
        using var sharerOwned = sharer;
        var files = new SharedFile[paths.Length];
        for (int i = 0; i < paths.Length; i++)
        {
            byte[] data;
            if (Directory.Exists(paths[i])) throw new UsageException($"{paths[i]} is a directory: lc share takes files (e.g. {paths[i].TrimEnd('/')}/*)");
            try { data = File.ReadAllBytes(paths[i]); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"cannot read {paths[i]}: {e.Message}"); }
            if (data.Length == 0) throw new UsageException($"{paths[i]} is empty: nothing to share");
            string name = Path.GetFileName(paths[i]);
            if (Announcement.CheckName(name) is string why) throw new UsageException($"{paths[i]}: cannot share under this name: {why}");
            try { files[i] = sharer.Add(name, data, data.Length); }
            catch (ArgumentException e) { throw new UsageException($"{paths[i]}: {e.Message}"); }
            Announcement a = files[i].Announcement;
            Console.Error.WriteLine($"lc: sharing {name} ({data.Length} bytes, blake3 {Convert.ToHexStringLower(a.Hash)}, Z {a.Oti.Z}, K {a.Oti.KL}, T {t}) on {files[i].Symbols}");
        }

        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Cancel(); };
        var roundClock = new Stopwatch();
        for (int round = 0; rounds == null || round < rounds; round++)
        {
            long unitsBefore = sharer.Pacer.Units, symbolsBefore = sharer.SymbolsSent;
            long roundSymbols = 0;
            foreach (SharedFile f in files) roundSymbols += ShareSender.NextRoundSymbols(f);
            roundClock.Restart();
            using (new RoundProgress(sharer, round + 1, roundSymbols))
                foreach (SharedFile f in files)
                    if (!sharer.SendRound(f, interrupted.Token)) return Program.ExitInterrupted;
            double secs = roundClock.Elapsed.TotalSeconds;
            long bytes = sharer.Pacer.Units - unitsBefore;
            Console.Error.WriteLine($"lc: round {round + 1} sent ({sharer.Pacer.Units} bytes so far, {sharer.Pacer.Rate / 1e6 * 8:F1} Mbit/s; this round {bytes} bytes, {sharer.SymbolsSent - symbolsBefore} symbols in {secs:F3} s, {bytes / 1e6 * 8 / Math.Max(secs, 1e-9):F1} Mbit/s)");
        }
        return Program.ExitOk;
    }

    private static int Fetch(string? iface, string? keyFile, string outDir, int count, double? timeoutSeconds, long maxSize, string channelName)
    {
        VectorSymbolOps.Install();
        if (count < 1) throw new UsageException($"--count must be at least 1 (got {count})");
        Commands.CheckListenArguments(null, timeoutSeconds);
        if (!Directory.Exists(outDir)) throw new UsageException($"--output {outDir} is not a directory");
        UserKeyFile.Check(keyFile);
        int ifindex = Commands.ResolveInterface(iface);
        byte[]? key = keyFile == null ? null : UserKeyFile.Read(keyFile);
        // The key is wiped on every way out: a fetch that fails, times out or is interrupted too.
        try { return Fetch(ifindex, key, keyFile, outDir, count, timeoutSeconds, maxSize, channelName); }
        finally { if (key != null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(key); }
    }

    private static int Fetch(int ifindex, byte[]? key, string? keyFile, string outDir, int count, double? timeoutSeconds, long maxSize, string channelName)
    {
        using var session = new Session(ifindex, channelName, keyFile: keyFile);
        session.Channel.Join();
        Console.Error.WriteLine($"lc: waiting for files on {session.Channel}");
        using var interrupted = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Set(); };
        long deadline = timeoutSeconds is double s ? Environment.TickCount64 + (long)(s * 1000) : long.MaxValue;
        var message = new Message(65536);
        var done = new System.Collections.Generic.HashSet<string>();
        long badAnnouncements = 0, refused = 0;
        bool tty = !Console.IsErrorRedirected;
        while (done.Count < count)
        {
            // 1. An announcement of a file not fetched yet.
            Announcement? a = null;
            while (a == null)
            {
                if (interrupted.IsSet) return Program.ExitInterrupted;
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    Console.Error.WriteLine($"lc: timed out after {timeoutSeconds} s: {done.Count} of {count} file(s) fetched, no announcement of another ({badAnnouncements} malformed)");
                    return Program.ExitTimeout;
                }
                if (session.Socket.Receive(message, (int)Math.Min(left, 200)) != ReceiveResult.Ok) continue;
                a = Announcement.TryRead(message.Buffer, message.PayloadOffset, message.PayloadLength, out string error);
                if (a == null) { badAnnouncements++; Console.Error.WriteLine("lc: ignored announcement: " + error); continue; }
                if (done.Contains(Convert.ToHexStringLower(a.Hash))) { a = null; continue; }
                if (a.Oti.F > maxSize)
                {
                    Console.Error.WriteLine($"lc: skipped {a.Name}: {a.Oti.F} bytes is over --max-size {maxSize}");
                    done.Add(Convert.ToHexStringLower(a.Hash));
                    count--;
                    a = null;
                }
            }

            // 2. Its symbols, from the sideband, until every block decodes.
            var oti = a.Oti;
            Console.Error.WriteLine($"lc: fetching {a.Name} ({oti.F} bytes, Z {oti.Z}, K {oti.KL}, T {oti.T}; needs {ObjectDecoder.MemoryBytes(oti, 16) >> 20} MiB)");
            using var symbolSocket = session.Context.CreateSocket();
            symbolSocket.Bind(ifindex);
            Channel symbols = session.Channel.Sideband(a.Band);
            // 0.11 seals the whole file before encoding (the object is opened after decoding); 0.5 and 0.9 each datagram.
            WireProfile wire = symbols.Wire;
            bool objectSealed = key != null && wire.SealsObjectBeforeFec;
            if (key != null && !objectSealed) symbols.SetKey(key);
            symbolSocket.Bind(symbols);
            symbols.Join();
            // The receive thread only stores symbols; blocks decode on FetchReceiver's thread.
            // On 0.11 it takes only datagrams whose object id is the announced hash (BLAKE3 of the file).
            using var receiver = new FetchReceiver(wire, oti, 16, wire.FecObjectId ? a.Hash : null);
            var progress = new Progress(a.Name, receiver.Decoder.Needed, tty);
            var started = Stopwatch.StartNew();
            long dropsAtStart = symbolSocket.ReadKernelDrops();
            // Packets the kernel dropped since the fetch began ("?" where the platform cannot tell):
            // with UDP GRO one packet may hold many datagrams, so it counts packets.
            string DroppedSoFar() => dropsAtStart < 0 ? "?" : (symbolSocket.ReadKernelDrops() - dropsAtStart).ToString(System.Globalization.CultureInfo.InvariantCulture);
            // The batched listener (recvmmsg, UDP GRO split in place) hands each symbol to the
            // receiver on its own thread, straight from the buffer it read into: raw datagrams
            // (Framed false: symbols are not librecast frames), opened in place on a keyed 0.5/0.9
            // channel. This thread only waits and shows progress.
            long receiveErrors = 0;
            receiver.Listen(symbolSocket, e => { if (Interlocked.Increment(ref receiveErrors) <= 10) Console.Error.WriteLine("lc: receiving symbols: " + e.Message); }, null);
            try
            {
                while (!receiver.Complete)
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0)
                    {
                        symbolSocket.ListenCancel();
                        progress.End();
                        Console.Error.WriteLine($"lc: timed out after {timeoutSeconds} s fetching {a.Name}: {receiver.Decoder.Received} of {receiver.Decoder.Needed} symbols needed arrived ({receiver.Decoder.BlocksDone} of {oti.Z} blocks decoded; " +
                            $"{receiver.Datagrams} datagrams in {receiver.Receives} receive calls; the kernel dropped {DroppedSoFar()} packets, receive buffer full (with GRO a packet holds up to 64 KiB of datagrams)" +
                            (receiver.Malformed > 0 ? $"; {receiver.Malformed} malformed datagrams ignored" : "") +
                            (receiver.OtherObject > 0 ? $"; {receiver.OtherObject} datagrams of another object id dropped" : "") +
                            (receiver.Rejected > 0 ? $"; {receiver.Rejected} datagrams rejected (not for this channel, or not opening with the key)" : "") + ")");
                        return Program.ExitTimeout;
                    }
                    if (interrupted.Wait((int)Math.Min(left, 50))) return Program.ExitInterrupted;
                    progress.Show(Math.Min(receiver.Decoder.Received, receiver.Decoder.Needed));
                }
            }
            finally
            {
                symbolSocket.ListenCancel();
            }
            string drops = DroppedSoFar();
            progress.End();
            symbols.Part();
            int withinK2 = 0, most = 0;
            long used = 0;
            for (int sbn = 0; sbn < oti.Z; sbn++)
            {
                int u = receiver.Decoder.BlockUsed(sbn);
                used += u;
                int over = u - oti.BlockSymbols(sbn);
                if (over <= 2) withinK2++;
                if (over > most) most = over;
            }

            // 3. The hash decides whether it is written at all: the announced one and (0.11) the
            // object id the datagrams carried, both BLAKE3 of the file (of the plaintext, with a key).
            byte[] file = receiver.Decoder.Result;
            int fileLength = (int)oti.F;
            if (objectSealed)
            {
                using var box = new Librecast.Crypto.SecretBox(key!);
                var opened = new byte[Math.Max(0, fileLength - Librecast.Crypto.SecretBox.Overhead)];
                if (fileLength <= Librecast.Crypto.SecretBox.Overhead || box.Open(file, 0, fileLength, opened, 0, out fileLength) != Librecast.Crypto.SecretBoxStatus.Ok)
                {
                    refused++;
                    Console.Error.WriteLine($"lc: {a.Name}: decoded object does not open with the key (tampered or corrupted symbols): not written ({refused} refused)");
                    return Program.ExitFailure;
                }
                file = opened;
            }
            var hash = new byte[32];
            Blake3Hasher.Hash(file, 0, fileLength, hash, 0);
            bool announcedOk = hash.AsSpan().SequenceEqual(a.Hash);
            bool objectIdOk = receiver.ObjectId == null || hash.AsSpan().SequenceEqual(receiver.ObjectId);
            if (!announcedOk || !objectIdOk)
            {
                refused++;
                Console.Error.WriteLine($"lc: {a.Name}: decoded bytes (blake3 {Convert.ToHexStringLower(hash)}) do not match the announced BLAKE3 hash" +
                    (receiver.ObjectId == null ? "" : " nor the object id their datagrams carry") + $" (tampered or corrupted symbols): not written ({refused} refused)");
                return Program.ExitFailure;
            }
            string path = Path.Combine(outDir, a.Name);
            AtomicFile.Write(path, file, 0, fileLength);
            done.Add(Convert.ToHexStringLower(a.Hash));
            double secs = started.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"lc: fetched {a.Name} to {path}: {fileLength} bytes, blake3 ok{(receiver.ObjectId == null ? "" : " (= object id)")}, {receiver.Decoder.Received} symbols for {receiver.Decoder.Needed} needed " +
                $"(overhead {(receiver.Decoder.Received - receiver.Decoder.Needed) / (double)oti.Z:F2} per block), {secs:F2} s; " +
                $"decoded from {used} symbols: {withinK2} of {oti.Z} blocks within K + 2 (most over K: {most}); " +
                $"{receiver.Attempts} decode attempts on the decoder thread, longest {receiver.LongestDecodeSeconds * 1000:F0} ms; " +
                $"{receiver.Stashed + receiver.StashDropped} symbols arrived while their block was decoding ({receiver.Stashed} kept for a retry); " +
                $"{receiver.Datagrams} datagrams in {receiver.Receives} receive calls ({receiver.Buffers} buffers, at most {receiver.MostPerReceive} datagrams a call), {receiver.Datagrams * (long)oti.T / 1e6 * 8 / Math.Max(secs, 1e-9):F1} Mbit/s of symbols; " +
                $"kernel dropped {drops} packets (receive buffer full; with GRO a packet holds up to 64 KiB of datagrams)" +
                (receiver.Malformed > 0 ? $"; {receiver.Malformed} malformed datagrams ignored" : "") +
                (receiver.OtherObject > 0 ? $"; {receiver.OtherObject} datagrams of another object id dropped" : "") +
                (receiver.Rejected > 0 ? $"; {receiver.Rejected} datagrams rejected (not for this channel, or not opening with the key)" : ""));
        }
        return Program.ExitOk;
    }

    /// <summary>
    /// Within a round that lasts (a large file at a low rate: 100 MB at the default 20 Mbit/s
    /// takes 44 s), a line every 10 % of its symbols once it has run <see cref="QuietSeconds"/>:
    /// quick rounds print only their end. Read from a timer thread; the sending thread is not touched.
    /// </summary>
    private sealed class RoundProgress : IDisposable
    {
        public const double QuietSeconds = 2;
        private readonly ShareSender sharer;
        private readonly int round;
        private readonly long symbolsBefore, unitsBefore, total;
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly Timer timer;
        private readonly object gate = new();
        private int lastDecile;
        private bool ended;

        public RoundProgress(ShareSender sharer, int round, long total)
        {
            this.sharer = sharer;
            this.round = round;
            this.total = Math.Max(1, total);
            symbolsBefore = sharer.SymbolsSent;
            unitsBefore = sharer.Pacer.Units;
            timer = new Timer(_ => Tick(), null, 250, 250);
        }

        private void Tick()
        {
            lock (gate)
            {
                double secs = clock.Elapsed.TotalSeconds;
                if (ended || secs < QuietSeconds) return;
                long sent = sharer.SymbolsSent - symbolsBefore;
                if (sent >= total) return; // the round's own line says it is done
                int decile = (int)(sent * 10 / total);
                if (decile <= lastDecile) return;
                lastDecile = decile;
                double mbit = (sharer.Pacer.Units - unitsBefore) * 8 / 1e6 / secs;
                try { Console.Error.WriteLine($"lc: round {round}: {sent * 100 / total}% ({sent} of {total} symbols in {secs:F0} s, {mbit:F1} Mbit/s)"); }
                catch (IOException) { ended = true; } // stderr gone (a full disk behind it): the share goes on without progress
            }
        }

        public void Dispose()
        {
            lock (gate) ended = true; // no progress line after the round's own
            timer.Dispose();
        }
    }

    /// <summary>A bar redrawn in place on a terminal; otherwise a line every 10 %.</summary>
    private sealed class Progress(string name, long total, bool tty)
    {
        private int lastDecile = -1;
        private long lastDraw;

        public void Show(long got)
        {
            int percent = (int)(got * 100 / Math.Max(1, total));
            if (tty)
            {
                long now = Environment.TickCount64;
                if (now - lastDraw < 100 && got < total) return;
                lastDraw = now;
                int filled = percent * 30 / 100;
                Console.Error.Write($"\r{name} [{new string('#', filled)}{new string('.', 30 - filled)}] {percent,3}% {got}/{total} symbols");
            }
            else if (percent / 10 != lastDecile)
            {
                lastDecile = percent / 10;
                Console.Error.WriteLine($"lc: {name}: {percent}% ({got} of {total} symbols)");
            }
        }

        public void End() { if (tty) Console.Error.WriteLine(); }
    }
}
