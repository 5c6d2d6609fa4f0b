using System;
using System.Diagnostics;
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
long f = long.Parse(args[0]);
int t = int.Parse(args[1]);
int loss = args.Length > 2 ? int.Parse(args[2]) : 20;
if (args.Length > 3 && args[3] == "portable") { }
else Librecast.Sockets.VectorSymbolOps.Install();
var oti = Oti.ForLibrecast(f, t);
var data = new byte[f];
var rnd = new Random(1);
rnd.NextBytes(data);

// Warm up (JIT, static tables) on a small object, so the figures are the coder's, not the JIT's.
new ObjectEncoder(Oti.ForLibrecast(Math.Min(f, 50_000), t), data, 0);
var sw = Stopwatch.StartNew();
var enc = new ObjectEncoder(oti, data, 0);
double encodeSetup = sw.Elapsed.TotalSeconds;
var sym = new byte[t];
sw.Restart();
int repairs = 0;
for (int sbn = 0; sbn < oti.Z; sbn++)
    for (int e = enc.K(sbn); e < enc.K(sbn) + enc.K(sbn) / 5 + 1; e++) { enc.Symbol(sbn, e, sym, 0); repairs++; }
double repairTime = sw.Elapsed.TotalSeconds;

var dec = new ObjectDecoder(oti, 8);
var buf = new byte[t];
sw.Restart();
for (int sbn = 0; sbn < oti.Z; sbn++)
{
    int k = enc.K(sbn), got = 0;
    for (int e = 0; e < k; e++)
    {
        if (rnd.Next(100) < loss) continue;
        enc.Symbol(sbn, e, buf, 0);
        dec.Add(sbn, e, buf, 0);
        got++;
    }
    for (int e = k; !dec.BlockDone(sbn); e++)
    {
        enc.Symbol(sbn, e, buf, 0);
        dec.Add(sbn, e, buf, 0);
    }
}
double decodeTime = sw.Elapsed.TotalSeconds;
bool ok = dec.Complete && dec.Result.AsSpan().SequenceEqual(data);
double mb = f / 1e6;
Console.WriteLine($"ours F={f} T={t} Z={oti.Z} K={oti.KL} loss={loss}% encode {mb / encodeSetup:F1} MB/s ({encodeSetup * 1000:F0} ms) repair {repairs * (double)t / 1e6 / repairTime:F1} MB/s decode {mb / decodeTime:F1} MB/s ({decodeTime * 1000:F0} ms) received {dec.Received}/{dec.Needed} {(ok ? "ok" : "WRONG")}");
return ok ? 0 : 1;
