using System;
using System.Diagnostics;
using System.Threading;
using Librecast.Fec;

namespace Librecast.Files;

/// <summary>
/// The sending side of the file-sharing protocol in docs/fec.md, for <c>lc share</c> and lcgw's
/// <c>config share</c>: each file is announced on the base channel and its symbols go on
/// <c>Sideband(band)</c> (band: the BLAKE3 hash's first 8 bytes, low bit set) in the FEC_RQ
/// datagram of the channel's wire profile (0.11: led by the object id, the file's BLAKE3), blocks of at most <see cref="BlockK"/> symbols, all under one <see cref="Pacer"/>.
/// Not thread-safe: one sending thread.
/// </summary>
public sealed class ShareSender : IDisposable
{
    /// <summary>Symbols per source block at most: bounds the receiver's memory and decode time.</summary>
    public const int BlockK = 1000;

    /// <summary>Repair symbols in a file's first round, in percent of K, on top of its K source symbols.</summary>
    public const int FirstRoundRepairPercent = 5;

    /// <summary>
    /// A file's announcement repeats after every this many seconds of its symbols (at the rate
    /// limit), not only at the start of a round: a receiver can use no symbol before it holds
    /// the announcement, so with one a round, a receiver that lost the first n (2^-n at 50 %
    /// loss, the same for every receiver behind one lossy link) lost n whole rounds of symbols.
    /// </summary>
    public const double AnnounceIntervalSeconds = 0.1;

    /// <summary>The default of <see cref="JoinWaitSeconds"/>.</summary>
    public const double DefaultJoinWaitSeconds = 0.2;

    /// <summary>During a <see cref="JoinWaitSeconds"/> wait, the announcement repeats this often.</summary>
    public const double JoinWaitAnnounceSeconds = 0.02;

    private readonly Librecast.Socket socket;
    private readonly Channel channel;
    private readonly byte[]? key;
    private readonly int symbolSize;

    /// <summary>The smallest symbol size T a share sends (RaptorQ as librecast runs it needs a multiple of 4).</summary>
    public const int MinSymbolSize = 4;

    /// <summary>The largest symbol size T a share sends: a symbol and its headers stay one datagram, jumbo frames included.</summary>
    public const int MaxSymbolSize = 8192;

    /// <summary>True for a symbol size T a share can use: a multiple of 4 from <see cref="MinSymbolSize"/> to <see cref="MaxSymbolSize"/> (lc share, lcgw's config share and this class check it here).</summary>
    public static bool IsValidSymbolSize(int t) => t >= MinSymbolSize && t <= MaxSymbolSize && t % 4 == 0;

    /// <summary>A sender announcing on <paramref name="channel"/> (bound to <paramref name="socket"/>, with its key if any).</summary>
    /// <param name="socket">The sending socket: the sidebands are bound to it too (same port).</param>
    /// <param name="channel">The announcement channel.</param>
    /// <param name="key">The 32-byte SYMM key for the sidebands (the caller keys <paramref name="channel"/>), or null; copied, wiped by <see cref="Dispose"/>.</param>
    /// <param name="symbolSize">RaptorQ symbol size T: a multiple of 4, 4..8192.</param>
    /// <param name="pacer">The rate limit, in bytes per second (announcements and symbols, payload bytes).</param>
    public ShareSender(Librecast.Socket socket, Channel channel, byte[]? key, int symbolSize, Pacer pacer)
    {
        if (!IsValidSymbolSize(symbolSize)) throw new ArgumentOutOfRangeException(nameof(symbolSize), "a multiple of 4 up to " + MaxSymbolSize);
        this.socket = socket ?? throw new ArgumentNullException(nameof(socket));
        this.channel = channel ?? throw new ArgumentNullException(nameof(channel));
        this.key = key == null ? null : (byte[])key.Clone();
        this.symbolSize = symbolSize;
        Pacer = pacer ?? throw new ArgumentNullException(nameof(pacer));
        // Symbols and announcements go through the socket's send ring (claim/commit; a run of
        // equal-sized symbols leaves in one GSO system call), one writer: this sender's caller,
        // which claims a slot and writes each symbol into it (FecSender: header, then the source
        // bytes or the repair symbol encoded in place). A thread of this sender's own hands the
        // committed runs to the kernel meanwhile (on two cores the writing and the system calls
        // overlap); before the pacer waits and at the end of a round the caller waits until the
        // ring is empty, so what SendRound queued is on the wire when it returns. A send the
        // network refused is kept and thrown from SendRound.
        Publisher? started = socket.Publisher;
        if (started == null)
        {
            int slot = SlotSize(channel.Wire, symbolSize, key != null, channel.HasToken);
            int buffer = 64;
            while (buffer < slot) buffer <<= 1;
            socket.SendErrorHandler ??= e => Interlocked.CompareExchange(ref sendError, e, null);
            started = socket.StartPublisher(new PublisherOptions
            {
                Capacity = RingSlots, BufferSize = buffer, BatchSize = BatchDatagrams, Policy = OverflowPolicy.Block, StartThread = false,
            });
            drainer = new Thread(DrainLoop) { IsBackground = true, Name = "lc share sender" };
        }
        publisher = started;
        pacer.BeforeWait = Flush;
        drainer?.Start();
    }

    /// <summary>Datagrams the send ring holds (its slab: this many slots of the slot size rounded up to a power of two).</summary>
    public const int RingSlots = 1024;

    // Datagrams handed to the kernel per sendmmsg: several full GSO runs (at most 64 segments
    // and 64 KiB each: 61 symbols of T 1024 under 0.11).
    private const int BatchDatagrams = 256;

    // The sending thread waits for this many queued datagrams (one full GSO run of 1 KiB symbols)
    // for a few yields before it sends fewer: a run of 3 costs nearly the system call of 61.
    private const int FullRun = 48;

    /// <summary>
    /// The largest datagram a share sends, so the size of a send-ring slot: a symbol (the wire's
    /// FEC header as a share sends it, without the OTI, then T bytes) or an announcement, whichever
    /// is larger, plus the SYMM seal (MAC and nonce) when there is a key, plus the token and its
    /// Ed25519 signature when the channel is restricted (<see cref="Channel.HasToken"/>: a
    /// restricted share's symbols carry the token when their sideband has it too).
    /// </summary>
    public static int SlotSize(WireProfile wire, int symbolSize, bool keyed, bool restricted)
    {
        if (wire == null) throw new ArgumentNullException(nameof(wire));
        int symbol = FecCoding.HeaderLength(wire, false) + symbolSize;
        int largest = Math.Max(symbol, Announcement.FixedLength + Announcement.MaxNameLength);
        if (keyed) largest += Librecast.Crypto.SecretBox.Overhead;
        if (restricted) largest += Librecast.Security.TokenFilter.Overhead;
        return largest;
    }

    private readonly Publisher publisher;
    private readonly Thread? drainer;
    private volatile bool stopping;
    private volatile bool parked;
    private readonly ManualResetEventSlim wake = new(false);

    // The caller, after queueing: wakes a parked sending thread (a read when it is not parked).
    private void Wake()
    {
        if (parked) wake.Set();
    }

    private Exception? drainError;

    // The sending thread: hands every committed run to the kernel as it comes. It never spins:
    // on two cores the caller writing symbols and (in a file's first round) the encoder's thread
    // need the CPU; it yields, sleeps 1 ms at a time once the ring has stayed empty a while (a
    // paced share has little to do; a caller that fills the ring meanwhile sends a batch
    // itself), and after 100 ms of nothing parks until the caller queues again (lcgw with
    // nothing to share: 10 wake-ups a second, not 1,000).
    private void DrainLoop()
    {
        int idle = 0, waited = 0;
        try
        {
            while (!stopping)
            {
                int queued = publisher.Queued;
                if (queued == 0)
                {
                    waited = 0;
                    if (++idle < 64) Thread.Yield();
                    else if (idle < 164) Thread.Sleep(1);
                    else
                    {
                        parked = true;
                        // Queued after parked: a caller that queued before it saw parked false is seen here.
                        if (publisher.Queued == 0 && !stopping) wake.Wait(100);
                        parked = false;
                        wake.Reset();
                    }
                    continue;
                }
                idle = 0;
                if (queued < FullRun && ++waited < 4)
                {
                    Thread.Yield();
                    continue;
                }
                waited = 0;
                publisher.DoWork();
            }
        }
        catch (Exception e)
        {
            // The caller's thread sends from then on (a blocked claim drains the ring itself) and
            // throws this from SendRound.
            Volatile.Write(ref drainError, e);
        }
    }

    // Waits until everything queued so far is on the wire (helping when the sending thread is
    // not there or not sending).
    private void Flush()
    {
        while (publisher.Queued > 0)
            if (publisher.DoWork() == 0) Thread.Yield();
    }

    private LibrecastException? sendError;

    private void ThrowIfSendFailed()
    {
        LibrecastException? e = Interlocked.Exchange(ref sendError, null);
        if (e != null) throw new LibrecastException(e.Message, e);
        if (Volatile.Read(ref drainError) is Exception d) throw new LibrecastException("the share's sending thread failed: " + d.Message, d);
    }

    /// <summary>The rate limit and the bytes counted against it.</summary>
    public Pacer Pacer { get; }

    /// <summary>
    /// Seconds between a file's first announcement and its first symbols: a receiver joins the
    /// symbols' channel only once it holds the announcement (a few ms for lc fetch on a LAN; a
    /// router has to learn the join too), and a small file's whole share may last less than that.
    /// The announcement repeats every <see cref="JoinWaitAnnounceSeconds"/> of the wait and when
    /// it ends. 0: no wait.
    /// </summary>
    public double JoinWaitSeconds
    {
        get => joinWait;
        set => joinWait = value >= 0 && value <= 3600 ? value : throw new ArgumentOutOfRangeException(nameof(value), "0..3600 seconds");
    }

    private double joinWait = DefaultJoinWaitSeconds;

    /// <summary>Announcements sent.</summary>
    public long Announcements { get; private set; }

    /// <summary>Symbol datagrams sent (all files, including removed ones).</summary>
    public long SymbolsSent => Volatile.Read(ref symbolsSent);
    private long symbolsSent;

    /// <summary>
    /// Makes data[0..length) ready to share as <paramref name="name"/>: hashes exactly those bytes,
    /// cuts them into blocks (<see cref="Oti.ForBlocks"/>), binds the sideband and starts preparing
    /// the encoder on a thread of its own (hashing meanwhile). The file keeps <paramref name="data"/>
    /// until its first round has gone (its source symbols are sent straight from it): the caller
    /// must not change those bytes before then.
    /// </summary>
    /// <exception cref="ArgumentException">The name cannot be announced (<see cref="Announcement.CheckName"/>), length is 0, or the file is too large for the OTI; the message says which.</exception>
    public SharedFile Add(string name, byte[] data, int length)
    {
        if (data == null) throw new ArgumentNullException(nameof(data));
        if (length <= 0 || length > data.Length) throw new ArgumentException("empty: nothing to share");
        if (Announcement.CheckName(name) is string why) throw new ArgumentException("cannot share under this name: " + why);
        // The channel's wire decides the symbols' datagram (FecCoding): 0.11 leads each with the
        // object id, which is the announced hash, and seals the whole file before encoding it
        // (the announced OTI is then the sealed object's, F + 40); 0.5 and 0.9 seal each datagram.
        WireProfile wire = channel.Wire;
        bool sealObject = key != null && wire.SealsObjectBeforeFec;
        byte[] source = data;
        int sourceLength = length;
        if (sealObject)
        {
            using var box = new Librecast.Crypto.SecretBox(key!);
            source = FecCoding.SealObject(box, data, 0, length, channel.Context.Platform);
            sourceLength = source.Length;
        }
        Oti oti = Oti.ForBlocks(sourceLength, symbolSize, BlockK); // ArgumentException when it cannot
        // Blocks are prepared (solved) on their own thread while the file is hashed here and,
        // after, while the first round's source symbols go out from the data itself.
        var encoder = new ObjectEncoder(oti, source, 0, false);
        var hash = new byte[32];
        var pending = new SharedFile(encoder);
        pending.StartPreparing(oti.Z);
        Blake3Hasher.Hash(data, 0, length, hash, 0);
        ulong band = BitConverter.ToUInt64(hash, 0) | 1;
        var a = new Announcement(name, oti, hash, band);
        Channel symbols = channel.Sideband(band);
        if (key != null && !sealObject) symbols.SetKey(key);
        var sender = new FecSender(encoder, symbols, wire, false, false, wire.FecObjectId ? hash : null, channel.Context.Platform);
        var datagram = new byte[Announcement.FixedLength + Announcement.MaxNameLength];
        int alen = a.Write(datagram, 0);
        socket.Bind(symbols);
        pending.Complete(a, sender, symbols, datagram, alen);
        return pending;
    }

    /// <summary>Stops sharing <paramref name="file"/>: unbinds its sideband (its memory goes with the last reference).</summary>
    public void Remove(SharedFile file)
    {
        if (file == null) throw new ArgumentNullException(nameof(file));
        socket.Unbind(file.Symbols);
        file.Symbols.ClearKey();
    }

    /// <summary>
    /// One round of <paramref name="file"/>: its announcement, then the next batch of its symbols
    /// (every block in turn; K + 5 % a block in its first round, K/4 fresh repair symbols later),
    /// paced, with the announcement again after every <see cref="AnnounceIntervalSeconds"/> of
    /// them. A file's first round waits <see cref="JoinWaitSeconds"/> after its first
    /// announcement. Returns false if <paramref name="stop"/> was cancelled on the way.
    /// </summary>
    /// <exception cref="LibrecastException">The network refused a send (counted by the transport).</exception>
    public bool SendRound(SharedFile file, CancellationToken stop = default)
    {
        if (file == null) throw new ArgumentNullException(nameof(file));
        if (file.Rounds == 0 && joinWait > 0)
        {
            // Announced all through the wait: on a lossy link the first one may not arrive.
            int slices = (int)Math.Ceiling(joinWait / JoinWaitAnnounceSeconds);
            TimeSpan slice = TimeSpan.FromSeconds(joinWait / slices);
            for (int i = 0; i < slices; i++)
            {
                if (!Announce(file, stop)) return false;
                Flush();
                if (!stop.CanBeCanceled) Thread.Sleep(slice);
                else if (stop.WaitHandle.WaitOne(slice)) return false;
            }
        }
        if (!Announce(file, stop)) return false;
        // Counted in the pacer's bytes, so the spacing holds in the stream even where the machine
        // cannot hold the rate; without a limit, in time (the clock read once per symbol of every block).
        bool unlimited = Pacer.Unlimited;
        long announceEvery = unlimited ? 0 : Math.Max(1, (long)(Pacer.Limit * AnnounceIntervalSeconds));
        long nextAnnouncement = Pacer.Units + announceEvery;
        long announceTicks = (long)(Stopwatch.Frequency * AnnounceIntervalSeconds);
        long nextAnnounceAt = Stopwatch.GetTimestamp() + announceTicks;
        Oti oti = file.Announcement.Oti;
        int perBlock = PerBlock(file);
        int datagram = oti.Z * (FecCoding.HeaderLength(file.Symbols.Wire, false) + oti.T);
        // Source symbols come from the data; from the first repair symbol on (ESI K of the
        // smallest block) every block must be prepared.
        int repairFrom = file.Rounds == 0 ? (oti.Z > oti.ZL ? oti.KS : oti.KL) : 0;
        for (int j = 0; j < perBlock; j++)
        {
            if (stop.IsCancellationRequested) return false;
            ThrowIfSendFailed();
            if (j >= repairFrom && !file.AllPrepared)
            {
                Flush();
                if (!file.WaitPrepared(stop)) return false;
            }
            if (unlimited ? Stopwatch.GetTimestamp() >= nextAnnounceAt : Pacer.Units >= nextAnnouncement)
            {
                if (!Announce(file, stop)) return false;
                nextAnnouncement = Pacer.Units + announceEvery;
                nextAnnounceAt = Stopwatch.GetTimestamp() + announceTicks;
            }
            file.Sender.SendRound(1);
            Wake();
            Volatile.Write(ref symbolsSent, symbolsSent + oti.Z); // read by progress reports on other threads
            if (!Pacer.Sent(datagram, stop)) return false;
        }
        file.Rounds++;
        // Later rounds send repair symbols only: the data can go (its memory with the caller's last reference).
        if (file.Rounds == 1) file.Encoder.ReleaseSource();
        Flush();
        ThrowIfSendFailed();
        return true;
    }

    /// <summary>Symbols the next <see cref="SendRound"/> of <paramref name="file"/> sends (every block's), for progress.</summary>
    public static long NextRoundSymbols(SharedFile file)
    {
        if (file == null) throw new ArgumentNullException(nameof(file));
        return (long)PerBlock(file) * file.Announcement.Oti.Z;
    }

    // Symbols of each block in the file's next round: K + 5 % in its first, K/4 fresh repair symbols later.
    private static int PerBlock(SharedFile file)
    {
        Oti oti = file.Announcement.Oti;
        return file.Rounds == 0 ? oti.KL + Math.Max(2, oti.KL * FirstRoundRepairPercent / 100) : Math.Max(4, oti.KL / 4);
    }

    private bool Announce(SharedFile file, CancellationToken stop)
    {
        // Queued between the symbols; the sending thread takes it with them.
        channel.Send(file.Datagram, 0, file.DatagramLength);
        Wake();
        ThrowIfSendFailed();
        Announcements++;
        return Pacer.Sent(file.DatagramLength, stop);
    }

    /// <summary>Stops the sending thread (what is queued goes when the socket closes) and wipes the key copy.</summary>
    public void Dispose()
    {
        stopping = true;
        wake.Set();
        if (drainer != null && drainer.IsAlive) drainer.Join();
        if (key != null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
    }
}
