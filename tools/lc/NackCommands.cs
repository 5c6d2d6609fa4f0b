using System;
using System.Threading;
using Librecast;

namespace Librecast.Cli;

/// <summary>lc's NACK gap repair options (librecast 0.6+): listen --nack, send --nack SECONDS and its limits.</summary>
internal static class NackCommands
{
    public static readonly Opt[] ListenOptions =
    {
        Opt.Flag("--nack", null,
            "Repair gaps (librecast's lc_channel_detect_gaps): when a sender's sequence skips, send the missing seq (8 bytes,\n" +
            "big-endian) to the channel's NACK group, sidehash(CHANNEL, \"NACK\"), so a sender that logs its messages (lc send --nack,\n" +
            "lc_channel_nack_handler) sends it again; a repair is printed once. At most 16 NACKs per arrival, 3 per missing\n" +
            "message, 50 ms apart, within the last 256 seqs. NACK counters at exit (stderr; with --quiet, stdout). Wire 0.9 and 0.11 only."),
    };

    public static readonly Opt[] SendOptions =
    {
        new("--nack", null, ValueKind.Int, "SECONDS",
            "Log every message sent for SECONDS and answer NACKs (librecast's lc_channel_nack_handler) by sending the logged\n" +
            "datagram again, byte for byte; lc stays SECONDS after its last message to answer late NACKs. The log is a\n" +
            "preallocated ring (--nack-bytes); resends are rate-limited (--nack-rate), so a NACK flood cannot make lc an\n" +
            "amplifier. NACK counters are printed at exit. Framed messages only (not --raw); wire 0.9 and 0.11 only."),
        new("--nack-bytes", null, ValueKind.Int, "BYTES", "With --nack: the log's size; it keeps the last BYTES / (datagram size, rounded to a power of two slots) messages.", "1048576"),
        new("--nack-rate", null, ValueKind.Int, "R", "With --nack: at most R resends a second (and 32 at once), however many NACKs arrive.", "200"),
    };

    /// <summary>The listener's --nack, checked: false if absent.</summary>
    public static bool Listen(Parsed r, bool raw)
    {
        if (!r.Flag("--nack")) return false;
        if (raw) throw new UsageException("--nack repairs gaps in librecast frames' sequence numbers: it cannot be used with --raw");
        RequireWire();
        return true;
    }

    /// <summary>The sender's --nack options, checked, or null without --nack.</summary>
    public static NackSend? Send(Parsed r, bool raw)
    {
        int? seconds = r.Int("--nack");
        bool limits = r.Flag("--nack-bytes") || r.Flag("--nack-rate");
        if (seconds == null)
        {
            if (limits) throw new UsageException("--nack-bytes and --nack-rate set the NACK log: add --nack SECONDS");
            return null;
        }
        if (raw) throw new UsageException("--nack logs framed messages (as lc_msg_send does): it cannot be used with --raw");
        if (seconds is < 1 or > 86400) throw new UsageException($"--nack must be 1..86400 seconds (got {seconds})");
        int bytes = r.Int("--nack-bytes")!.Value, rate = r.Int("--nack-rate")!.Value;
        if (bytes is < 64 or > 1 << 30) throw new UsageException($"--nack-bytes must be 64..1073741824 (got {bytes})");
        if (rate is < 1 or > 1000000) throw new UsageException($"--nack-rate must be 1..1000000 resends a second (got {rate})");
        RequireWire();
        return new NackSend(seconds.Value, bytes, rate);
    }

    private static void RequireWire()
    {
        if (!Program.Wire.HasNack)
            throw new UsageException($"--nack: the librecast {Program.Wire.Release} wire has no NACK gap repair (librecast 0.6.0 added it); use --wire 0.9 or 0.11");
    }

    /// <summary>Refuses --nack with --fec-rq (a RaptorQ object repairs itself with more symbols; librecast logs lc_msg_send only); true otherwise.</summary>
    public static bool NotWithFec(Parsed r)
    {
        if (r.Flag("--fec-rq") && r.Flag("--nack"))
            throw new UsageException("--nack repairs framed messages: --fec-rq traffic is repaired by sending more symbols, not by NACKs");
        return true;
    }

    /// <summary>The NACK counters, one line.</summary>
    public static string Summary(Context ctx) => ctx.NackCounters.ToString();
}

/// <summary>lc send's --nack: how long to log and answer, the log's size, the resend rate.</summary>
internal sealed record NackSend(int Seconds, int LogBytes, int Rate)
{
    /// <summary>Starts logging <paramref name="channel"/>'s datagrams of up to <paramref name="datagramSize"/> bytes and answering NACKs.</summary>
    public NackResponder Start(Channel channel, int datagramSize)
    {
        int slot = Math.Max(Frame.HeaderSize, datagramSize);
        if (LogBytes < slot) throw new UsageException($"--nack-bytes {LogBytes} cannot hold one {slot}-byte datagram");
        return channel.HandleNacks(new NackOptions { Seconds = Seconds, LogBytes = LogBytes, SlotSize = slot, ResendsPerSecond = Rate });
    }

    /// <summary>Stays <see cref="Seconds"/> answering NACKs, or less if <paramref name="interrupted"/> is set (Ctrl-C).</summary>
    public void Linger(ManualResetEventSlim interrupted) => interrupted.Wait(TimeSpan.FromSeconds(Seconds));
}
