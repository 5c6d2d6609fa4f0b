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
    internal SharedFile(ObjectEncoder encoder)
    {
        Encoder = encoder;
    }

    // The rest, once hashed (ShareSender.Add, before it returns the file).
    internal void Complete(Announcement announcement, FecSender sender, Channel symbols, byte[] datagram, int length)
    {
        Announcement = announcement;
        Sender = sender;
        Symbols = symbols;
        Datagram = datagram;
        DatagramLength = length;
    }

    /// <summary>What the file is announced as: name, OTI (F is its size), BLAKE3 hash, band.</summary>
    public Announcement Announcement { get; private set; } = null!;

    /// <summary>The channel its symbols are sent on (a sideband of the announcement channel).</summary>
    public Channel Symbols { get; private set; } = null!;

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

    // The blocks are prepared (RaptorQ's solve) on threads of their own, in order, while the
    // first round's source symbols go out straight from the file's bytes; repair symbols wait for
    // them (WaitPrepared). Prepared counts blocks done, published with a volatile write after each.
    private int prepared;
    private int blocks;
    private Exception? prepareError;
    private Thread? preparer;

    internal void StartPreparing(int z)
    {
        blocks = z;
        preparer = new Thread(() =>
        {
            try
            {
                // Blocks of one K' replay one solve plan, on as many threads as there are
                // processors (at most 4); blocks 0..n-1 done are published as they complete.
                Librecast.Sockets.ParallelEncoding.PrepareAll(Encoder, Librecast.Sockets.ParallelEncoding.DefaultThreads, n => Volatile.Write(ref prepared, n));
            }
            catch (Exception e)
            {
                Volatile.Write(ref prepareError, e);
            }
        }) { IsBackground = true, Name = "lc share encoder" };
        preparer.Start();
    }

    /// <summary>True once every block can give repair symbols.</summary>
    internal bool AllPrepared => Volatile.Read(ref prepared) == blocks;

    /// <summary>Waits until every block is prepared; false if <paramref name="stop"/> was cancelled first.</summary>
    internal bool WaitPrepared(CancellationToken stop)
    {
        while (!AllPrepared)
        {
            if (Volatile.Read(ref prepareError) is Exception e) throw new InvalidOperationException("RaptorQ encoding failed: " + e.Message, e);
            if (stop.IsCancellationRequested) return false;
            preparer?.Join(5);
        }
        return true;
    }
    internal FecSender Sender { get; private set; } = null!;
    internal byte[] Datagram { get; private set; } = null!;
    internal int DatagramLength { get; private set; }
}
