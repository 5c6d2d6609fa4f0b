using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using Librecast.Gateway.Config;
using Librecast.Files;
using Librecast.Gateway.Outputs;
using Librecast.Sockets;

namespace Librecast.Gateway.Share;

/// <summary>
/// <c>config share</c>: every regular file in a directory announced and streamed on a channel,
/// round after round, with <c>lc share</c>'s protocol and code (<see cref="ShareSender"/>, docs/fec.md),
/// on its own thread and paced. The directory is scanned at start, every <c>rescan</c> seconds
/// between rounds, and on SIGHUP (a reload starts a new one).
/// </summary>
/// <remarks>
/// A file is served only as a snapshot read whole into memory, hashed from those exact bytes, and
/// only if it was last modified at least <see cref="Settle"/> ago and did not change while it was
/// read: a file being written is never served half-written (it is picked up once it settles).
/// Memory: the encoders hold about 1.1 × the bytes shared, bounded by <c>max_bytes</c> and
/// <c>max_files</c>; while a file is read, its bytes once more. Hidden files (a leading '.', as
/// in a temporary file renamed into place) and subdirectories are not shared. Symbolic links,
/// empty files (FIFOs, sockets and devices report size 0, so they are never opened), unreadable
/// files, names lc fetch would refuse and files over the limits are skipped: one log line per
/// file and cause, and a counter by reason.
/// </remarks>
internal sealed class DirectoryShare
{
    /// <summary>A file modified less than this long ago is left for the next scan.</summary>
    internal static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>Why a file is not shared: the <c>reason</c> label of <c>lcgw_share_skipped_total</c>.</summary>
    internal enum Skip { Symlink, Empty, Name, TooLarge, Limit, Unreadable, Changing }

    private static readonly string[] SkipLabels = ["symlink", "empty", "name", "too_large", "limit", "unreadable", "changing"];

    private sealed record Entry(SharedFile File, long Size, DateTime Modified);

    private readonly ShareConfig config;
    private readonly string? gatewayInterface;
    private readonly Context context;
    private readonly Log log;
    private readonly CancellationToken stop;
    private readonly TimeSpan retry;
    private readonly long[] skipped = new long[SkipLabels.Length];
    private readonly Dictionary<string, string> reported = new(StringComparer.Ordinal); // file -> the problem last logged for it
    private Dictionary<string, Entry> shared = new(StringComparer.Ordinal);
    private Entry[] order = [];
    private ShareSender? sender;
    private Thread? thread;
    private string directoryProblem = "", networkProblem = "", sendProblem = "";
    private long files, bytes, memory, rounds, symbols, sentBytes, announcements, sendErrors, scanErrors, scans, failures;

    public DirectoryShare(ShareConfig config, string? gatewayInterface, Context context, Log log, CancellationToken stop, TimeSpan retry)
    {
        this.config = config;
        this.gatewayInterface = gatewayInterface;
        this.context = context;
        this.log = log;
        this.stop = stop;
        this.retry = retry;
    }

    /// <summary>Starts the sending thread.</summary>
    public void Start()
    {
        thread = new Thread(Run) { IsBackground = true, Name = "lcgw-share" };
        thread.Start();
    }

    /// <summary>Waits for the thread after <c>stop</c> was cancelled; false if it did not end in time.</summary>
    public bool Join(int milliseconds) => thread == null || thread.Join(milliseconds);

    /// <summary>Files being shared now.</summary>
    public long Files => Volatile.Read(ref files);

    /// <summary>Directory scans done.</summary>
    public long Scans => Volatile.Read(ref scans);

    /// <summary>Skips for a reason so far.</summary>
    public long Skipped(Skip reason) => Volatile.Read(ref skipped[(int)reason]);

    /// <summary>What the share puts on /metrics.</summary>
    public IEnumerable<MetricsStore.Metric> Metrics()
    {
        yield return new(MetricNames.ShareFiles, "gauge", "Files being shared (config share).", "", Volatile.Read(ref files));
        yield return new(MetricNames.ShareFileBytes, "gauge", "Bytes of the files being shared.", "", Volatile.Read(ref bytes));
        yield return new(MetricNames.ShareMemoryBytes, "gauge", "Bytes the shared files' encoders hold (about 1.1 x the file bytes).", "", Volatile.Read(ref memory));
        yield return new(MetricNames.ShareRounds, "counter", "Rounds sent (each announces every shared file and sends a batch of its symbols).", "", Volatile.Read(ref rounds));
        yield return new(MetricNames.ShareAnnouncements, "counter", "File announcements sent.", "", Volatile.Read(ref announcements));
        yield return new(MetricNames.ShareSymbols, "counter", "RaptorQ symbol datagrams sent.", "", Volatile.Read(ref symbols));
        yield return new(MetricNames.ShareSentBytes, "counter", "Payload bytes sent (announcements and symbols), the bytes the rate limit counts.", "", Volatile.Read(ref sentBytes));
        yield return new(MetricNames.ShareSendErrors, "counter", "Sends the network refused (sharing pauses 1 s and goes on).", "", Volatile.Read(ref sendErrors));
        yield return new(MetricNames.ShareScans, "counter", "Scans of the shared directory.", "", Volatile.Read(ref scans));
        yield return new(MetricNames.ShareScanErrors, "counter", "Scans that could not read the directory (missing or unreadable: nothing is shared until it is back).", "", Volatile.Read(ref scanErrors));
        yield return new(MetricNames.ShareFailures, "counter", "Times sharing stopped on an unexpected error (logged; SIGHUP restarts it).", "", Volatile.Read(ref failures));
        for (int i = 0; i < SkipLabels.Length; i++)
            yield return new(MetricNames.ShareSkipped, "counter", "Files not shared, by reason (counted once per file and cause, when it is logged).",
                "reason=\"" + SkipLabels[i] + "\"", Volatile.Read(ref skipped[i]));
    }

    private void Run()
    {
        try
        {
            while (!OpenNetwork())
                if (stop.WaitHandle.WaitOne(retry)) return;
            long nextScan = 0;
            while (!stop.IsCancellationRequested)
            {
                long now = Environment.TickCount64;
                if (now >= nextScan)
                {
                    bool settling = Scan();
                    nextScan = config.RescanSeconds > 0 ? now + (long)(config.RescanSeconds * 1000) : long.MaxValue;
                    if (settling) nextScan = Math.Min(nextScan, now + (long)Settle.TotalMilliseconds + 100);
                }
                if (order.Length == 0)
                {
                    long wait = nextScan == long.MaxValue ? -1 : Math.Max(1, nextScan - Environment.TickCount64);
                    stop.WaitHandle.WaitOne(wait > int.MaxValue ? -1 : (int)wait);
                    continue;
                }
                if (!SendRound()) stop.WaitHandle.WaitOne(1000);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException && stop.IsCancellationRequested)
        {
            // the context closed under a send at shutdown
        }
        catch (Exception e)
        {
            // Not expected; but a thread's exception would end the whole gateway. Sharing stops
            // (said once, counted); the rest of lcgw runs on, and a SIGHUP starts sharing again.
            Interlocked.Increment(ref failures);
            log.Error("share: stopped after an unexpected error; the rest of lcgw runs on, SIGHUP restarts sharing", ("directory", config.Directory), ("error", e.GetType().Name + ": " + e.Message));
        }
        finally
        {
            foreach (Entry e in order) TryRemove(e.File);
            order = [];
            shared = new(StringComparer.Ordinal);
            sender?.Dispose();
        }
    }

    // One round: every file announced and a batch of its symbols. False after a send error.
    private bool SendRound()
    {
        ShareSender s = sender!;
        try
        {
            foreach (Entry e in order)
            {
                bool more = s.SendRound(e.File, stop);
                Volatile.Write(ref symbols, s.SymbolsSent);
                Volatile.Write(ref announcements, s.Announcements);
                Volatile.Write(ref sentBytes, s.Pacer.Units);
                if (!more) return true;
            }
            Interlocked.Increment(ref rounds);
            if (sendProblem.Length > 0)
            {
                log.Info("share: sending again", ("channel", config.Channel));
                sendProblem = "";
            }
            return true;
        }
        catch (LibrecastException e)
        {
            Interlocked.Increment(ref sendErrors);
            if (sendProblem != e.Message)
            {
                log.Error("share: send failed; pausing 1 s and going on", ("channel", config.Channel), ("error", e.Message));
                sendProblem = e.Message;
            }
            return false;
        }
    }

    private bool OpenNetwork()
    {
        byte[]? key = null;
        string iface = config.Interface ?? gatewayInterface ?? "(default route)";
        Librecast.Socket? socket = null;
        try
        {
            int ifindex = Interfaces.Resolve(config.Interface ?? gatewayInterface);
            if (config.KeyFile != null) key = KeyFile.Read(config.KeyFile);
            socket = context.CreateSocket();
            socket.Bind(ifindex);
            Channel channel = context.CreateChannel(config.Channel, config.Wire ?? context.Wire);
            if (key != null) channel.SetKey(key);
            socket.Bind(channel);
            sender = new ShareSender(socket, channel, key, config.SymbolSize, new Pacer(config.RateMbit * 1e6 / 8));
            if (networkProblem.Length > 0) log.Info("share: network up", ("channel", config.Channel));
            log.Info("sharing directory", ("directory", config.Directory), ("channel", config.Channel), ("interface", iface),
                ("rate_mbit", config.RateMbit), ("encrypted", key != null ? "yes" : "no"), ("max_bytes", config.MaxBytes), ("max_files", config.MaxFiles));
            return true;
        }
        catch (Exception e) when (e is LibrecastException or System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            try { socket?.Dispose(); }
            catch (LibrecastException) { /* closing what failed */ }
            if (stop.IsCancellationRequested) return false;
            if (networkProblem != e.Message)
                log.Error("share: network not ready; retrying every " + retry.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s",
                    ("interface", iface), ("channel", config.Channel), ("error", e.Message));
            networkProblem = e.Message;
            return false;
        }
        finally
        {
            if (key != null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    // Brings the shared set in line with the directory. Returns true if a file was left to settle.
    private bool Scan()
    {
        Interlocked.Increment(ref scans);
        var found = new List<FileInfo>();
        try
        {
            var dir = new DirectoryInfo(config.Directory);
            foreach (FileSystemInfo info in dir.EnumerateFileSystemInfos())
            {
                if (info.Name.StartsWith('.')) continue;               // hidden: temporary files, renamed in when done
                if (info is FileInfo f) found.Add(f);                    // (symlinks to directories show as directories: not shared either)
            }
            if (directoryProblem.Length > 0) log.Info("share: directory readable again", ("directory", config.Directory));
            directoryProblem = "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            Interlocked.Increment(ref scanErrors);
            string why = Librecast.Sockets.SystemErrors.Describe(e);
            if (directoryProblem != why)
                log.Error("share: cannot read the directory; sharing nothing until it is back", ("directory", config.Directory), ("error", why));
            directoryProblem = why;
            found.Clear();
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        bool settling = false, added = false;
        var next = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var nextOrder = new List<Entry>();
        long total = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (FileInfo f in found)
        {
            seen.Add(f.Name);
            Entry? entry = Consider(f, total, nextOrder.Count, ref settling);
            if (entry == null) continue;
            if (!shared.TryGetValue(f.Name, out Entry? was) || !ReferenceEquals(was, entry)) added = true;
            next[f.Name] = entry;
            nextOrder.Add(entry);
            total += entry.Size;
        }
        bool removed = false;
        foreach (KeyValuePair<string, Entry> old in shared)
        {
            if (next.TryGetValue(old.Key, out Entry? now) && ReferenceEquals(now, old.Value)) continue;
            removed = true;
            TryRemove(old.Value.File);
            log.Info(now != null ? "share: file changed; sharing the new version" : "share: stopped sharing (removed, changed or skipped)",
                ("file", old.Key), ("channel", config.Channel));
        }
        foreach (string name in new List<string>(reported.Keys))
            if (!seen.Contains(name)) reported.Remove(name); // gone: a file of that name later is news again
        shared = next;
        order = nextOrder.ToArray();
        long mem = 0;
        foreach (Entry e in order) mem += e.File.MemoryBytes;
        Volatile.Write(ref files, order.Length);
        Volatile.Write(ref bytes, total);
        Volatile.Write(ref memory, mem);
        // A file read is a large array freed at once (and a replaced file's encoder with it): give
        // that memory back to the system now (Aggressive: decommitted), not at some later full collection.
        if (added || removed) GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return settling;
    }

    // The entry to share f with (the current one if f is unchanged), or null if it is skipped.
    private Entry? Consider(FileInfo f, long total, int count, ref bool settling)
    {
        string name = f.Name;
        try
        {
            if (f.LinkTarget != null)
                return Skipped(name, Skip.Symlink, "a symbolic link (only regular files in the directory are shared)");
            long size = f.Length;
            DateTime modified = f.LastWriteTimeUtc;
            if (size == 0)
                return Skipped(name, Skip.Empty, "empty, or not a regular file (FIFO, socket, device)");
            if (Librecast.Fec.Announcement.CheckName(name) is string why)
                return Skipped(name, Skip.Name, "lc fetch would refuse this name: " + why);
            if (size > config.MaxBytes)
                return Skipped(name, Skip.TooLarge, size.ToString(CultureInfo.InvariantCulture) + " bytes is over max_bytes " + config.MaxBytes.ToString(CultureInfo.InvariantCulture));
            if (count >= config.MaxFiles)
                return Skipped(name, Skip.Limit, "already sharing max_files " + config.MaxFiles.ToString(CultureInfo.InvariantCulture) + " files");
            if (total + size > config.MaxBytes)
                return Skipped(name, Skip.Limit, "its " + size.ToString(CultureInfo.InvariantCulture) + " bytes would take the files shared over max_bytes " +
                    config.MaxBytes.ToString(CultureInfo.InvariantCulture) + " (" + total.ToString(CultureInfo.InvariantCulture) + " bytes shared already)");
            if (shared.TryGetValue(name, out Entry? current) && current.Size == size && current.Modified == modified)
                return current;
            if (DateTime.UtcNow - modified < Settle)
            {
                settling = true; // being written, or just written: next scan (not logged: it is normal)
                return null;
            }
            byte[]? data = ReadSnapshot(f, size, modified);
            if (data == null)
            {
                settling = true;
                return Skipped(name, Skip.Changing, "changed while it was read; trying again at the next scan");
            }
            SharedFile file;
            try
            {
                file = sender!.Add(name, data, data.Length);
            }
            catch (ArgumentException e)
            {
                return Skipped(name, Skip.TooLarge, e.Message);
            }
            reported.Remove(name);
            Librecast.Fec.Oti oti = file.Announcement.Oti;
            log.Info("sharing file", ("file", name), ("bytes", size), ("blake3", Convert.ToHexStringLower(file.Announcement.Hash)),
                ("blocks", oti.Z), ("k", oti.KL), ("t", oti.T), ("symbols_channel", file.Symbols.ToString()));
            return new Entry(file, size, modified);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return Skipped(name, Skip.Unreadable, Librecast.Sockets.SystemErrors.Describe(e));
        }
        catch (OutOfMemoryException)
        {
            return Skipped(name, Skip.TooLarge, "not enough memory to read it (lower max_bytes)");
        }
    }

    // The file's bytes, read whole, or null if it changed (size, time, or turned into a link) meanwhile.
    private static byte[]? ReadSnapshot(FileInfo f, long size, DateTime modified)
    {
        var data = new byte[size];
        using (var stream = new FileStream(f.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
        {
            int got = 0;
            while (got < data.Length)
            {
                int n = stream.Read(data, got, data.Length - got);
                if (n == 0) return null; // shrank
                got += n;
            }
            if (stream.Read(new byte[1], 0, 1) != 0) return null; // grew
        }
        f.Refresh();
        if (!f.Exists || f.LinkTarget != null || f.Length != size || f.LastWriteTimeUtc != modified) return null;
        return data;
    }

    private Entry? Skipped(string name, Skip reason, string why)
    {
        // Logged and counted once per file, cause and size: not again at every scan.
        string key = SkipLabels[(int)reason] + "|" + SizeOf(name);
        if (reported.TryGetValue(name, out string? last) && last == key) return null;
        reported[name] = key;
        Interlocked.Increment(ref skipped[(int)reason]);
        log.Warn("share: file not shared", ("file", name), ("reason", SkipLabels[(int)reason]), ("error", why));
        return null;
    }

    private string SizeOf(string name)
    {
        try { return new FileInfo(Path.Combine(config.Directory, name)).Length.ToString(CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException) { return "?"; }
    }

    private void TryRemove(SharedFile file)
    {
        try { sender?.Remove(file); }
        catch (Exception e) when (e is LibrecastException or ObjectDisposedException) { /* its socket is closing */ }
    }
}
