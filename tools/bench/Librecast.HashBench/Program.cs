using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Librecast;

// usage: Librecast.HashBench [SIZE [REPS]]   (defaults: 100000000 5)
// Hashes SIZE random bytes REPS times on each path and prints, per path, the median wall-clock
// rate (GB/s) and the CPU time one hash costs (user + system of the whole process, so the
// all-cores line counts every worker), and checks every path's digest against the Blake3 package's
// (xoofx/Blake3.NET 3.0.2, a managed implementation of its own: the independent reference).
int size = args.Length > 0 ? int.Parse(args[0]) : 100_000_000;
int reps = args.Length > 1 ? int.Parse(args[1]) : 5;
var data = new byte[size];
new Random(1).NextBytes(data);
var expected = new byte[32];
Blake3.Hasher.Hash(data, expected);
var digest = new byte[32];
bool allOk = true;

Console.WriteLine($"BLAKE3 of {size:N0} random bytes, median of {reps} (after a warm-up); {Environment.ProcessorCount} processors, " +
    $"{(RuntimeFeature() ? "NativeAOT" : "JIT")}, AVX2 {Avx2.IsSupported}, AVX-512VL {Avx512F.VL.IsSupported}, Vector128 {Vector128.IsHardwareAccelerated}; " +
    $"Blake3Fast.Lanes {Blake3Fast.Lanes}, load {Load()}");
Console.WriteLine($"{"path",-52} {"GB/s",8} {"CPU ms/hash",12} {"GB per CPU-s",13}  digest");

double portable = Measure("portable Blake3Hasher (Update/Finish)", () =>
{
    var h = new Blake3Hasher();
    h.Update(data, 0, size);
    h.Finish(digest, 0, 32);
}, Math.Max(1, reps / 2));
Measure("Blake3Fast, scalar, 1 thread", () => Blake3Fast.Hash(data, 0, size, digest, 1, 1), reps);
Measure("Blake3Fast, Vector128 (4 lanes), 1 thread", () => Blake3Fast.Hash(data, 0, size, digest, 4, 1), reps);
double one = Measure("Blake3Fast, " + LanesName(Blake3Fast.Lanes) + ", 1 thread", () => Blake3Fast.Hash(data, 0, size, digest, Blake3Fast.Lanes, 1), reps);
double all = Measure("Blake3Fast, " + LanesName(Blake3Fast.Lanes) + ", " + Blake3Fast.Threads + " threads", () => Blake3Fast.Hash(data, 0, size, digest, Blake3Fast.Lanes, Blake3Fast.Threads), reps);
Measure("Blake3Hasher.Hash (what ShareSender/lc fetch call)", () => Blake3Hasher.Hash(data, 0, size, digest, 0), reps);
Measure("reference: Blake3 NuGet 3.0.2 (managed), 1 thread", () => Blake3.Hasher.Hash(data, digest), reps);
Console.WriteLine($"fast / portable: {one / portable:F1}x on 1 thread, {all / portable:F1}x on {Blake3Fast.Threads}; {(allOk ? "every digest matches the Blake3 package's" : "DIGEST MISMATCH")}");
return allOk ? 0 : 1;

double Measure(string name, Action hash, int n)
{
    Array.Clear(digest);
    hash();
    bool ok = digest.AsSpan().SequenceEqual(expected);
    allOk &= ok;
    var wall = new double[n];
    var cpu = new double[n];
    for (int i = 0; i < n; i++)
    {
        TimeSpan c0 = Process.GetCurrentProcess().TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        hash();
        wall[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        cpu[i] = (Process.GetCurrentProcess().TotalProcessorTime - c0).TotalSeconds;
    }
    Array.Sort(wall);
    Array.Sort(cpu);
    double w = wall[n / 2], c = cpu[n / 2];
    Console.WriteLine($"{name,-52} {size / w / 1e9,8:F2} {c * 1000,12:F0} {(c > 0 ? size / c / 1e9 : double.NaN),13:F2}  {(ok ? "ok" : "WRONG")}");
    return size / w / 1e9;
}

static string LanesName(int lanes) => lanes == 8 ? "AVX2 (8 lanes)" : lanes == 4 ? "Vector128 (4 lanes)" : "scalar";

static bool RuntimeFeature() => !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported;

static string Load()
{
    try { return System.IO.File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
    catch (System.IO.IOException) { return "?"; }
}
