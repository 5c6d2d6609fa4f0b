using System;
using System.Threading;
using Librecast.Fec;

namespace Librecast.Files;

/// <summary>
/// One file made ready to share by <see cref="ShareSender.Add"/>: its announcement, its RaptorQ
/// encoder (which holds the file's bytes as source symbols, so the caller's copy can go) and the
/// sideband its symbols go on.
/// </summary>
public sealed class SharedFile
{
    internal SharedFile(Announcement announcement, ObjectEncoder encoder, FecSender sender, Channel symbols, byte[] datagram, int length)
    {
        Announcement = announcement;
        Encoder = encoder;
        Sender = sender;
        Symbols = symbols;
        Datagram = datagram;
        DatagramLength = length;
    }

    /// <summary>What the file is announced as: name, OTI (F is its size), BLAKE3 hash, band.</summary>
    public Announcement Announcement { get; }

    /// <summary>The channel its symbols are sent on (a sideband of the announcement channel).</summary>
    public Channel Symbols { get; }

    /// <summary>Rounds sent so far (the first sends K + 5 % a block, the later ones K/4 fresh repair symbols).</summary>
    public int Rounds { get; internal set; }

    /// <summary>Symbol datagrams sent so far.</summary>
    public long SymbolsSent => Sender.Sent;

    /// <summary>Bytes the encoder holds (its intermediate symbols, L·T a block): about 1.1 × the file.</summary>
    public long MemoryBytes
    {
        get
        {
            Oti oti = Announcement.Oti;
            long total = 0;
            for (int sbn = 0; sbn < oti.Z; sbn++) total += (long)new SourceBlock(oti.BlockSymbols(sbn)).L * oti.T;
            return total;
        }
    }

    internal ObjectEncoder Encoder { get; }
    internal FecSender Sender { get; }
    internal byte[] Datagram { get; }
    internal int DatagramLength { get; }
}
