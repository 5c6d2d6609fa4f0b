using System;
using System.Diagnostics;
using System.IO;
using Librecast.Fec;

// usage: Librecast.FecBench F T [LOSS_PERCENT] [portable]
// Encodes F random bytes in T-byte symbols with the parameters liblcrq uses, then decodes from
// the source symbols that survive LOSS_PERCENT random loss plus just enough repair symbols
// (K + 2 in all); prints one line of figures.
if (args[0] == "memory")
{
    // usage: Librecast.FecBench memory F T [EXTRA]: bytes a decoder for that object allocates
    // (fleet layout, EXTRA spare symbols a block: 16 as lc fetch, 4 as the nanoCLR cases).
    var o = Oti.ForBlocks(long.Parse(args[1]), int.Parse(args[2]), 1000);
    int spare = args.Length > 3 ? int.Parse(args[3]) : 16;
    Console.WriteLine($"decoder for F={o.F} T={o.T} (Z={o.Z}, K={o.KL}, {spare} spare): {ObjectDecoder.MemoryBytes(o, spare)} bytes");
    return 0;
}
if (args[0] == "repair")
{
    // usage: Librecast.FecBench repair F [T]: what one repair symbol costs the writer, in ns (wall,
    // this thread), for an F-byte share-layout object prepared in full, four ways over the same
    // number of symbols: the blocks in turn as lc share sends them (a block's intermediate
    // symbols are long out of cache when its turn comes again), the same with the next symbol's
    // inputs prefetched (what FecSender.SendRound does), block after block with prefetch, and
    // block 0 over and over (its symbols in cache: the floor). Three runs.
    long rf = long.Parse(args[1]);
    int rt = args.Length > 2 ? int.Parse(args[2]) : 1024;
    Librecast.Sockets.VectorSymbolOps.Install();
    var rdata = new byte[rf];
    new Random(1).NextBytes(rdata);
    var ro = Oti.ForBlocks(rf, rt, 1000);
    var renc = new ObjectEncoder(ro, rdata, 0);
    var rsym = new byte[rt];
    const int PerBlock = 200;
    long total = (long)PerBlock * ro.Z;
    int Repair(int sbn, int j) => renc.K(sbn) + j;
    for (int run = 0; run < 3; run++)
    {
        int first = 1 + run * 4 * PerBlock; // fresh ESIs each way, as a sender's rounds have
        var sw = Stopwatch.StartNew();
        for (int j = 0; j < PerBlock; j++)
            for (int sbn = 0; sbn < ro.Z; sbn++) renc.Symbol(sbn, Repair(sbn, first + j), rsym, 0);
        double turn = sw.Elapsed.TotalSeconds;
        first += PerBlock;
        sw.Restart();
        for (int j = 0; j < PerBlock; j++)
            for (int sbn = 0; sbn < ro.Z; sbn++)
            {
                int after = sbn + 1 == ro.Z ? 0 : sbn + 1;
                renc.Prefetch(after, Repair(after, first + j + (after == 0 ? 1 : 0)));
                renc.Symbol(sbn, Repair(sbn, first + j), rsym, 0);
            }
        double turnAhead = sw.Elapsed.TotalSeconds;
        first += PerBlock;
        sw.Restart();
        for (int sbn = 0; sbn < ro.Z; sbn++)
            for (int j = 0; j < PerBlock; j++)
            {
                renc.Prefetch(sbn, Repair(sbn, first + j + 1));
                renc.Symbol(sbn, Repair(sbn, first + j), rsym, 0);
            }
        double blockAfter = sw.Elapsed.TotalSeconds;
        first += PerBlock;
        sw.Restart();
        for (long i = 0; i < total; i++) renc.Symbol(0, Repair(0, first + (int)(i % (4 * PerBlock))), rsym, 0);
        double cached = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"repair F={rf} T={rt} Z={ro.Z} K={ro.KL}, {total} symbols a way, ns a symbol: blocks in turn {turn * 1e9 / total:F0}, in turn with prefetch {turnAhead * 1e9 / total:F0}, block after block with prefetch {blockAfter * 1e9 / total:F0}, one block in cache {cached * 1e9 / total:F0} (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
    }
    return 0;
}
if (args[0] == "share")
{
    // usage: Librecast.FecBench share F [T [portable]]: where lc share's set-up time goes for an
    // F-byte file (the share layout: blocks of at most 1000 symbols), in CPU time of this thread
    // (wall time on a loaded machine measures the others): hash, scatter + solve (and the
    // solve's matrix part alone), every source symbol, a 5 % of repair symbols; then the blocks'
    // solve the old way (each block eliminated with its symbols) against the plan (the matrix
    // solved once per K', each block replaying its symbol operations).
    long sf = long.Parse(args[1]);
    int st = args.Length > 2 ? int.Parse(args[2]) : 1024;
    if (args.Length <= 3 || args[3] != "portable") Librecast.Sockets.VectorSymbolOps.Install();
    var sdata = new byte[sf];
    new Random(1).NextBytes(sdata);
    var so = Oti.ForBlocks(sf, st, 1000);
    var hash = new byte[32];
    var ssym = new byte[st];
    var solver = new Solver(so.KL, 0);
    var sb = new SourceBlock(so.KL);
    var isis = new int[sb.KPrime];
    for (int i = 0; i < isis.Length; i++) isis[i] = i;
    if (Environment.GetEnvironmentVariable("FEC_BENCH_COUNT") == "1")
    {
        var counting = new CountingOps(SymbolOps.Current);
        SymbolOps.Use(counting);
        var e0 = new ObjectEncoder(Oti.ForBlocks(so.BlockBytes(0), st, 1000), sdata, 0);
        Console.WriteLine($"one block K={so.KL} solved directly: {counting.Xors} xor, {counting.MulAdds} muladd, {counting.Scales} scale (and copies, uncounted)");
        var p0 = new ObjectEncoder(so, sdata, 0, false);
        long x0 = counting.Xors, m0 = counting.MulAdds, s0 = counting.Scales;
        p0.PrepareBlock(0);
        var pl0 = p0.Plan(0)!;
        Console.WriteLine($"its plan (K'={pl0.KPrime}, {pl0.Bytes} bytes): {pl0.Operations} operations a block: {counting.Xors - x0} xor, {counting.MulAdds - m0} muladd, {counting.Scales - s0} scale, the rest copies");
        return 0;
    }
    static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    static long MinorFaults() => long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]);
    for (int rep = 0; rep < 3; rep++)
    {
        double c = Cpu();
        Librecast.Blake3Hasher.Hash(sdata, 0, (int)sf, hash, 0);
        double h = Cpu() - c;
        c = Cpu();
        for (int sbn = 0; sbn < so.Z; sbn++) solver.Solve(sb, isis, sb.KPrime, null, 0, st);
        double matrix = Cpu() - c;
        c = Cpu();
        var enc = new ObjectEncoder(so, sdata, 0, false);
        double alloc = Cpu() - c;
        c = Cpu();
        long faults = MinorFaults();
        for (int sbn = 0; sbn < so.Z; sbn++) enc.PrepareBlock(sbn);
        double e = Cpu() - c;
        faults = MinorFaults() - faults;
        enc.ReleaseSource();
        c = Cpu();
        long n = 0;
        for (int sbn = 0; sbn < so.Z; sbn++)
            for (int esi = 0; esi < enc.K(sbn); esi++) { enc.Symbol(sbn, esi, ssym, 0); n++; }
        double src = Cpu() - c;
        c = Cpu();
        long r = 0;
        for (int sbn = 0; sbn < so.Z; sbn++)
            for (int esi = enc.K(sbn); esi < enc.K(sbn) + enc.K(sbn) / 20 + 2; esi++) { enc.Symbol(sbn, esi, ssym, 0); r++; }
        double rep5 = Cpu() - c;
        Console.WriteLine($"share F={sf} T={st} Z={so.Z} K={so.KL}, CPU ms: hash {h * 1000:F0} ({sf / 1e6 / h:F0} MB/s), encoder: constructor (block buffers, plans) {alloc * 1000:F0} + PrepareBlock x{so.Z} (scatter, replay; {faults} page faults: first touch of the block buffers) {e * 1000:F0} (a direct solve's matrix alone, x{so.Z}: {matrix * 1000:F0}), {n} source symbols {src * 1000:F0}, {r} repair symbols {rep5 * 1000:F0}");
    }
    // The blocks' solve both ways, each on one block buffer reused (source symbols copied in
    // each time, as PrepareBlock does): eliminating with the symbols, or the plan made once and
    // replayed; and the replays on two threads (each its own buffer; wall time, CPU would add
    // both threads up).
    var be = new BlockEncoder(new Solver(so.KL, 0, st), so.KL, st);
    var be2 = new BlockEncoder(new Solver(so.KL, 0, st), so.KL, st);
    var planSolver = new Solver(so.KL, 0, st);
    var blocksK = new SourceBlock[so.Z];
    for (int sbn = 0; sbn < so.Z; sbn++) blocksK[sbn] = new SourceBlock(so.BlockSymbols(sbn));
    SolvePlan pl = null!;
    double minDirect = double.MaxValue, minPlan = double.MaxValue, minReplay = double.MaxValue, minTwo = double.MaxValue;
    void Replay(BlockEncoder b, byte[] scr, int sbn)
    {
        var buf = b.Begin(blocksK[sbn]);
        Array.Copy(sdata, so.BlockStart(sbn), buf, b.SourceOffset(0), so.BlockBytes(sbn));
        if (blocksK[sbn].KPrime == pl.KPrime) b.Prepare(pl, scr);
        else b.Prepare(); // the last block, of a K' of its own: solved directly
    }
    for (int rep = 0; rep < 5; rep++)
    {
        double c = Cpu();
        for (int sbn = 0; sbn < so.Z; sbn++)
        {
            var buf = be.Begin(blocksK[sbn]);
            Array.Copy(sdata, so.BlockStart(sbn), buf, be.SourceOffset(0), so.BlockBytes(sbn));
            be.Prepare();
        }
        minDirect = Math.Min(minDirect, Cpu() - c);
        c = Cpu();
        pl = planSolver.Plan(sb, isis, sb.KPrime, st)!;
        minPlan = Math.Min(minPlan, Cpu() - c);
        var scr1 = new byte[pl.ScratchBytes(st)];
        var scr2 = new byte[pl.ScratchBytes(st)];
        c = Cpu();
        for (int sbn = 0; sbn < so.Z; sbn++) Replay(be, scr1, sbn);
        minReplay = Math.Min(minReplay, Cpu() - c);
        var sw = Stopwatch.StartNew();
        var other = new System.Threading.Thread(() => { for (int sbn = 1; sbn < so.Z; sbn += 2) Replay(be2, scr2, sbn); });
        other.Start();
        for (int sbn = 0; sbn < so.Z; sbn += 2) Replay(be, scr1, sbn);
        other.Join();
        minTwo = Math.Min(minTwo, sw.Elapsed.TotalSeconds);
    }
    Console.WriteLine($"blocks' solve, {so.Z} blocks, least of 5: solved directly {minDirect * 1000:F0} ms CPU; with a plan {(minPlan + minReplay) * 1000:F0} ms CPU (the plan {minPlan * 1000:F0}, the replays {minReplay * 1000:F0}: {pl.Operations} operations a block of K' {pl.KPrime}); the replays on 2 threads {minTwo * 1000:F0} ms wall (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
    return 0;
}
long f = long.Parse(args[0]);
int t = int.Parse(args[1]);
int loss = args.Length > 2 ? int.Parse(args[2]) : 20;
if (args.Length > 3 && args[3] == "portable") { }
else Librecast.Sockets.VectorSymbolOps.Install();
var oti = Oti.ForLibrecast(f, t);
var data = new byte[f];
var rnd = new Random(1);
rnd.NextBytes(data);

// Warm up on a small object, encoder and decoder both, then REPS trials (FEC_BENCH_REPS, default
// 3; the median of each figure is printed). The project turns tiered compilation off: lc and lcgw
// are NativeAOT, and with tiering this short run measured tier-0 code (decode at K 196: 32 ms).
Trial(Oti.ForLibrecast(Math.Min(f, 50_000), t), data, new Random(2), loss);
Trial(Oti.ForLibrecast(Math.Min(f, 50_000), t), data, new Random(3), loss);
int reps = int.TryParse(Environment.GetEnvironmentVariable("FEC_BENCH_REPS"), out int rv) && rv > 0 ? rv : 3;
var trials = new (double Setup, double Repair, double Decode, int Received, int Needed, bool Ok)[reps];
for (int i = 0; i < reps; i++) trials[i] = Trial(oti, data, new Random(10 + i), loss);
double Median(Func<(double Setup, double Repair, double Decode, int Received, int Needed, bool Ok), double> pick)
{
    var v = new double[reps];
    for (int i = 0; i < reps; i++) v[i] = pick(trials[i]);
    Array.Sort(v);
    return v[reps / 2];
}
double encodeSetup = Median(x => x.Setup), repairRate = Median(x => x.Repair), decodeTime = Median(x => x.Decode);
bool ok = Array.TrueForAll(trials, x => x.Ok);
double mb = f / 1e6;
Console.WriteLine($"ours F={f} T={t} Z={oti.Z} K={oti.KL} loss={loss}% encode {mb / encodeSetup:F1} MB/s ({encodeSetup * 1000:F0} ms) repair {repairRate:F1} MB/s decode {mb / decodeTime:F1} MB/s ({decodeTime * 1000:F0} ms) received {trials[0].Received}/{trials[0].Needed} {(ok ? "ok" : "WRONG")} (median of {reps}, after a warm-up)");
return ok ? 0 : 1;

// One encode, repair and decode of data's first oti.F bytes; times in seconds, repair in MB/s.
static (double Setup, double Repair, double Decode, int Received, int Needed, bool Ok) Trial(Oti oti, byte[] data, Random rnd, int loss)
{
    int t = oti.T;
    var sw = Stopwatch.StartNew();
    var enc = new ObjectEncoder(oti, data, 0);
    double setup = sw.Elapsed.TotalSeconds;
    var sym = new byte[t];
    sw.Restart();
    int repairs = 0;
    for (int sbn = 0; sbn < oti.Z; sbn++)
        for (int e = enc.K(sbn); e < enc.K(sbn) + enc.K(sbn) / 5 + 1; e++) { enc.Symbol(sbn, e, sym, 0); repairs++; }
    double repairRate = repairs * (double)t / 1e6 / sw.Elapsed.TotalSeconds;

    var dec = new ObjectDecoder(oti, 8);
    var buf = new byte[t];
    sw.Restart();
    for (int sbn = 0; sbn < oti.Z; sbn++)
    {
        int k = enc.K(sbn);
        for (int e = 0; e < k; e++)
        {
            if (rnd.Next(100) < loss) continue;
            enc.Symbol(sbn, e, buf, 0);
            dec.Add(sbn, e, buf, 0);
        }
        for (int e = k; !dec.BlockDone(sbn); e++)
        {
            enc.Symbol(sbn, e, buf, 0);
            dec.Add(sbn, e, buf, 0);
        }
    }
    double decode = sw.Elapsed.TotalSeconds;
    bool ok = dec.Complete && dec.Result.AsSpan(0, (int)oti.F).SequenceEqual(data.AsSpan(0, (int)oti.F));
    return (setup, repairRate, decode, (int)dec.Received, (int)dec.Needed, ok);
}

sealed class CountingOps(ISymbolOps inner) : ISymbolOps
{
    public long Xors, MulAdds, Scales;
    public void Xor(byte[] dst, int dOff, byte[] src, int sOff, int len) { Xors++; inner.Xor(dst, dOff, src, sOff, len); }
    public void MulAdd(byte[] dst, int dOff, byte[] src, int sOff, int len, byte beta) { MulAdds++; inner.MulAdd(dst, dOff, src, sOff, len, beta); }
    public void Scale(byte[] buf, int off, int len, byte beta) { Scales++; inner.Scale(buf, off, len, beta); }
    public void Prefetch(byte[] buf, int off, int len) { inner.Prefetch(buf, off, len); }
    public void Populate(byte[] buf, int off, int len) { inner.Populate(buf, off, len); }
}
