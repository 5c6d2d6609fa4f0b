using System;
using System.Diagnostics;
using System.Threading;
using Librecast.Fec;

namespace Librecast.Files;

/// <summary>
/// <c>lc fetch</c>'s receiver: the receive thread only stores symbols (<see cref="Offer"/>, no
/// allocation, no decoding), and a block that holds K symbols goes to a decoder thread, so a
/// block decode (~0.1 s for K ~ 1000) no longer stalls receiving while the socket buffer fills.
/// </summary>
/// <remarks>
/// A block being decoded cannot take symbols; the few that arrive for it meanwhile wait in a
/// fixed stash (<see cref="StashSlots"/> symbols) and join the block only if the attempt failed;
/// when the stash is full they are dropped (counted). Datagrams are in the FEC_RQ layout of the
/// wire profile (<see cref="FecCoding"/>, without OTI: the announcement carries it); on 0.11 only
/// those whose object id is the expected one (the announced hash) are taken. Memory: the <see cref="ObjectDecoder"/>, the
/// stash and a queue of Z block numbers, all allocated here.
/// </remarks>
public sealed class FetchReceiver : IDisposable
{
    /// <summary>Symbols kept for blocks while they decode (a failed attempt needs one or two more).</summary>
    public const int StashSlots = 64;

    private const byte Collecting = 0, Queued = 1, Decoding = 2, Done = 3;

    private readonly ObjectDecoder decoder;
    private readonly Oti oti;
    private readonly WireProfile wire;
    private readonly int header;
    private readonly byte[]? objectId;
    private readonly object gate = new();
    private readonly byte[] state;
    private readonly int[] queue;
    private int queueHead, queueCount;
    private readonly byte[] stash;
    private readonly int[] stashSbn, stashEsi;
    private int stashCount;
    private readonly Thread thread;
    private bool stopping;
    private int blocksDone;
    private Exception? failure;

    /// <summary>A receiver of 0.5.1's layout (ESI ‖ SBN ‖ symbol).</summary>
    public FetchReceiver(Oti oti, int extra) : this(WireProfile.V0_5, oti, extra, null)
    {
    }

    /// <summary>
    /// A receiver of <paramref name="wire"/>'s FEC datagrams without OTI for the object <paramref name="oti"/>
    /// describes; on 0.11 <paramref name="objectId"/> (32 bytes, copied) is the object id every datagram must carry.
    /// </summary>
    /// <exception cref="ArgumentException">0.11 and no 32-byte object id.</exception>
    public FetchReceiver(WireProfile wire, Oti oti, int extra, byte[]? objectId)
    {
        ArgumentNullException.ThrowIfNull(wire);
        if (wire.FecObjectId && (objectId == null || objectId.Length != FecCoding.ObjectIdLength))
            throw new ArgumentException("the wire's datagrams carry an object id: give the expected one", nameof(objectId));
        this.wire = wire;
        this.objectId = wire.FecObjectId ? (byte[])objectId!.Clone() : null;
        header = FecCoding.HeaderLength(wire, false);
        this.oti = oti;
        decoder = new ObjectDecoder(oti, extra);
        state = new byte[oti.Z];
        queue = new int[oti.Z];
        stash = new byte[StashSlots * oti.T];
        stashSbn = new int[StashSlots];
        stashEsi = new int[StashSlots];
        thread = new Thread(DecodeLoop) { IsBackground = true, Name = "lc fetch decoder" };
        thread.Start();
    }

    /// <summary>The decoder (its counts; the object once <see cref="Complete"/>).</summary>
    public ObjectDecoder Decoder => decoder;

    /// <summary>Datagrams refused as not a symbol of this object (wrong length or block number).</summary>
    public long Malformed { get; private set; }

    /// <summary>Datagrams dropped because their object id (0.11) is not the expected one.</summary>
    public long OtherObject { get; private set; }

    /// <summary>The object id every datagram taken carried (0.11), else null.</summary>
    public byte[]? ObjectId => objectId;

    /// <summary>Symbols that arrived for a block being decoded and were kept in the stash.</summary>
    public long Stashed { get; private set; }

    /// <summary>Symbols that arrived for a block being decoded with the stash full: dropped.</summary>
    public long StashDropped { get; private set; }

    /// <summary>Decode attempts on the decoder thread.</summary>
    public int Attempts { get; private set; }

    /// <summary>The longest decode attempt, in seconds.</summary>
    public double LongestDecodeSeconds { get; private set; }

    /// <summary>True once every block has decoded (the decoder thread's failure is thrown here).</summary>
    public bool Complete
    {
        get
        {
            lock (gate)
            {
                if (failure != null) throw new InvalidOperationException("the decoder thread failed: " + failure.Message, failure);
                return blocksDone == oti.Z;
            }
        }
    }

    /// <summary>
    /// The largest datagram of this object's symbols: the profile's header, one symbol and room
    /// for a per-datagram seal (0.5 and 0.9 with a key). The listener's buffers hold this much.
    /// </summary>
    public int DatagramCapacity => header + oti.T + Librecast.Crypto.SecretBox.Overhead;

    /// <summary>Datagrams the listener took for this receiver (each offered), counted on its thread.</summary>
    public long Datagrams { get; private set; }

    /// <summary>Receive calls (recvmmsg) that brought at least one datagram, counted on the listener's thread.</summary>
    public long Receives { get; private set; }

    /// <summary>Receive buffers filled (one per datagram, or one per run of datagrams the kernel coalesced with UDP GRO).</summary>
    public long Buffers { get; private set; }

    /// <summary>Most datagrams one receive call brought.</summary>
    public int MostPerReceive { get; private set; }

    /// <summary>Datagrams the socket did not accept (for another channel, cut, or not opening with the channel's key): not offered.</summary>
    public long Rejected { get; private set; }

    private long datagramsAtLastReceive;

    /// <summary>
    /// Starts <paramref name="socket"/>'s batched listener (recvmmsg, UDP GRO, one thread; where the
    /// platform cannot batch, one datagram per call) on raw datagrams, each offered straight from
    /// the buffer it was read into (opened in place first on a keyed 0.5 or 0.9 channel): nothing
    /// is allocated per datagram. <paramref name="afterReceive"/>, if given, runs on the listener's
    /// thread after each receive call's datagrams, with how many buffers it filled. Stop it with
    /// <see cref="Socket.ListenCancel"/> before reading the counts.
    /// </summary>
    public void Listen(Socket socket, ErrorHandler? onError, BatchHandler? afterReceive)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.Listen(m => { Datagrams++; Offer(m.Buffer, m.PayloadOffset, m.PayloadLength); }, m => Rejected++, onError,
            new ListenOptions
            {
                Framed = false,
                MessageCapacity = DatagramCapacity,
                AfterBatch = buffers =>
                {
                    Receives++;
                    Buffers += buffers;
                    long n = Datagrams - datagramsAtLastReceive;
                    datagramsAtLastReceive = Datagrams;
                    if (n > MostPerReceive) MostPerReceive = (int)n;
                    afterReceive?.Invoke(buffers);
                },
            });
    }

    /// <summary>Takes one datagram's payload (already opened if the channel is encrypted): stores its symbol, decodes nothing.</summary>
    public void Offer(byte[] buffer, int offset, int length)
    {
        if (length != header + oti.T) { Malformed++; return; }
        int pid = offset + header - FecCoding.PayloadIdLength;
        if (objectId != null && !buffer.AsSpan(offset, FecCoding.ObjectIdLength).SequenceEqual(objectId)) { OtherObject++; return; }
        int sbn = FecCoding.PayloadSbn(wire, buffer, pid);
        if (sbn >= oti.Z) { Malformed++; return; }
        int esi = FecCoding.PayloadEsi(wire, buffer, pid);
        int at = pid + FecCoding.PayloadIdLength;
        lock (gate)
        {
            switch (state[sbn])
            {
                case Done: // not needed
                    break;
                case Decoding:
                    if (stashCount == StashSlots) { StashDropped++; break; }
                    Buffer.BlockCopy(buffer, at, stash, stashCount * oti.T, oti.T);
                    stashSbn[stashCount] = sbn;
                    stashEsi[stashCount] = esi;
                    stashCount++;
                    Stashed++;
                    break;
                default: // Collecting or Queued: the decoder thread is not touching this block
                    if (decoder.Collect(sbn, esi, buffer, at) == BlockDecoder.Added) QueueIfReady(sbn);
                    break;
            }
        }
    }

    // Under the gate: a collecting block with K symbols (or more than it last tried) goes to the decoder thread.
    private void QueueIfReady(int sbn)
    {
        if (state[sbn] != Collecting || decoder.BlockCount(sbn) < oti.BlockSymbols(sbn)) return;
        state[sbn] = Queued;
        queue[(queueHead + queueCount) % queue.Length] = sbn;
        queueCount++;
        Monitor.PulseAll(gate);
    }

    private void DecodeLoop()
    {
        if (!Prefault()) return;
        var clock = new Stopwatch();
        while (true)
        {
            int sbn;
            lock (gate)
            {
                while (queueCount == 0 && !stopping) Monitor.Wait(gate);
                if (stopping) return;
                sbn = queue[queueHead];
                queueHead = (queueHead + 1) % queue.Length;
                queueCount--;
                state[sbn] = Decoding;
            }
            bool ok;
            clock.Restart();
            try { ok = decoder.TryDecodeBlock(sbn); }
            catch (Exception e)
            {
                lock (gate) { failure = e; Monitor.PulseAll(gate); }
                return;
            }
            double secs = clock.Elapsed.TotalSeconds;
            lock (gate)
            {
                Attempts++;
                if (secs > LongestDecodeSeconds) LongestDecodeSeconds = secs;
                // The stash's symbols for this block: into it if the attempt failed, else not needed.
                int kept = 0;
                for (int i = 0; i < stashCount; i++)
                {
                    if (stashSbn[i] != sbn)
                    {
                        if (kept != i)
                        {
                            Buffer.BlockCopy(stash, i * oti.T, stash, kept * oti.T, oti.T);
                            stashSbn[kept] = stashSbn[i];
                            stashEsi[kept] = stashEsi[i];
                        }
                        kept++;
                    }
                    else if (!ok) decoder.Collect(sbn, stashEsi[i], stash, i * oti.T);
                }
                stashCount = kept;
                if (ok)
                {
                    state[sbn] = Done;
                    blocksDone++;
                }
                else
                {
                    state[sbn] = Collecting;
                    if (decoder.BlockCount(sbn) > decoder.BlockAttempted(sbn)) QueueIfReady(sbn);
                }
                Monitor.PulseAll(gate);
            }
        }
    }

    // The decoder thread first maps the symbol storage, 64 KiB at a time across the blocks in the
    // order symbols arrive (ESI after ESI, every block in turn), ahead of the receive thread,
    // which otherwise took a page fault every four 1 KiB symbols: measured, half of its time
    // (30 us a fault on this VM). Mapping changes no byte, so it runs outside the gate, beside
    // the receive thread's writes. No block can decode before every block has had its first
    // round of symbols anyway.
    private bool Prefault()
    {
        for (int part = 0; ; part++)
        {
            bool any = false;
            for (int sbn = 0; sbn < oti.Z; sbn++)
            {
                if (Volatile.Read(ref stopping)) return false;
                if (decoder.Prefault(sbn, part)) any = true;
            }
            if (!any) return true;
        }
    }

    /// <summary>Stops the decoder thread and waits for it.</summary>
    public void Dispose()
    {
        lock (gate) { stopping = true; Monitor.PulseAll(gate); }
        thread.Join();
    }
}
