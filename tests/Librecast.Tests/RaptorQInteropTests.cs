using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Librecast.Fec;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Our RFC 6330 coder against liblcrq 0.0.1 (librecast's RaptorQ, tests/peers/rqpeer.c compiled in
/// the run): the same parameters, byte-identical symbols, and each side decoding the other's
/// symbols from source-only, repair-only and mixed random subsets over many F and T.
/// </summary>
public class RaptorQInteropTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "rq-interop-" + Guid.NewGuid().ToString("N"));

    public RaptorQInteropTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Peer => CPeer.Build("rqpeer");

    private (int Code, string Out, string Err) Rq(string args) => CPeer.Run(Peer, args, null, 300_000);

    /// <summary>(F, T) cases: T multiples of 4 from 4 to 1400, K from 1 to 700 (liblcrq solves densely: larger K is slow there).</summary>
    private static List<(long F, int T)> Cases(int seed, int count)
    {
        var rnd = new Random(seed);
        var list = new List<(long, int)> { (1, 4), (3000, 1024), (65536, 1024), (1024, 1024), (1025, 1024), (10, 8), (1_000_000, 1024) };
        while (list.Count < count)
        {
            int t = 4 * rnd.Next(1, 351);
            int k = rnd.Next(1, 700);
            long f = (long)(k - 1) * t + rnd.Next(1, t + 1);
            list.Add((f, t));
        }
        return list;
    }

    private static byte[] Data(long f, int seed)
    {
        var b = new byte[f];
        new Random(seed).NextBytes(b);
        return b;
    }

    private string WriteList(string name, IList<(int Sbn, int Esi)> ids)
    {
        string path = Path.Combine(dir, name);
        var sb = new StringBuilder();
        foreach (var (s, e) in ids) sb.Append(s).Append(' ').Append(e).Append('\n');
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void Parameters_Match_Liblcrq_For_Many_F_And_T()
    {
        var cases = Cases(1, 60);
        cases.Add((1_000_000, 1024));
        cases.Add((100_000_000, 1024));
        cases.Add((56403L * 1024, 1024));
        cases.Add((56403L * 1024 + 1, 1024));
        foreach (var (f, t) in cases)
        {
            var (code, stdout, err) = Rq($"params {f} {t}");
            Assert.True(code == 0, err);
            int[] p = stdout.Trim().Split(' ').Select(int.Parse).ToArray();
            var oti = Oti.ForLibrecast(f, t);
            string what = $" (F {f}, T {t})";
            Assert.True(p[0] == oti.Z, "Z" + what);
            Assert.True(p[1] == oti.N, "N" + what);
            Assert.True(p[2] == oti.KL, "K" + what);
            Assert.True(p[3] == new SourceBlock(oti.KL).KPrime, "K'" + what);
            Assert.True(p[4] == oti.Al, "Al" + what);
        }
    }

    [Fact]
    public void Our_Symbols_Are_Byte_Identical_To_Liblcrqs()
    {
        var rnd = new Random(2);
        foreach (var (f, t) in Cases(2, 40))
        {
            byte[] data = Data(f, (int)f);
            var oti = Oti.ForLibrecast(f, t);
            int k = oti.KL;
            var ids = new List<(int, int)>();
            for (int e = 0; e < Math.Min(k, 8); e++) ids.Add((0, e));
            for (int e = k; e < k + 8; e++) ids.Add((0, e));
            for (int j = 0; j < 8; j++) ids.Add((0, rnd.Next(k, 0xFFFFFF)));
            ids.Add((0, 0xFFFFFF));
            string dataPath = Path.Combine(dir, "data.bin"), outPath = Path.Combine(dir, "syms.bin");
            File.WriteAllBytes(dataPath, data);
            var (code, _, err) = Rq($"encode {f} {t} {dataPath} {WriteList("list", ids)} {outPath}");
            Assert.True(code == 0, err);
            byte[] theirs = File.ReadAllBytes(outPath);
            var enc = new ObjectEncoder(oti, data, 0);
            var ours = new byte[t];
            for (int i = 0; i < ids.Count; i++)
            {
                enc.Symbol(0, ids[i].Item2, ours, 0);
                Assert.True(ours.AsSpan().SequenceEqual(theirs.AsSpan(i * t, t)),
                    $"symbol ESI {ids[i].Item2} differs from liblcrq's (F {f}, T {t}, K {k})");
            }
        }
    }

    [Theory]
    [InlineData("0.9")]
    [InlineData("0.11")]
    public void Liblcrq_Decodes_Our_Multi_Block_Object_Sent_In_Librecasts_Order(string profile)
    {
        // The real 0.9.1 and 0.11.2 receivers get Z > 1 wrong even from their own senders
        // (docs/wire-notes.md), so our multi-block datagrams are checked against their liblcrq:
        // the same working memory gives the same partition, and rq_decode recovers every block
        // from what FecSender put in the datagrams (10 source symbols of each block lost).
        WireProfile wire = WireProfile.Parse(profile)!;
        const int f = 301_000, t = 1024, ws = 131072; // Kt 294 = 3 x 98 (liblcrq's uneven blocks are not RFC 6330's)
        string peer = CPeer.Build("rqpeer", wire);
        var oti = Oti.Derive(f, t, 4, ws, t / 4);
        var (pc, pout, perr) = CPeer.Run(peer, $"params {f} {t} {ws}", null, 60_000);
        Assert.True(pc == 0, perr);
        Assert.Equal($"{oti.Z} {oti.N} {oti.KL} {new SourceBlock(oti.KL).KPrime} {oti.Al}", pout.Trim());
        Assert.True(oti.Z > 1, "the case needs a multi-block object");

        byte[] data = Data(f, 11);
        var objectId = new byte[32];
        Blake3Hasher.Hash(data, 0, f, objectId, 0);
        var platform = new MemoryPlatform();
        using var ctx = new Context(platform) { Wire = wire };
        Socket socket = ctx.CreateSocket();
        Channel channel = ctx.CreateChannel("bench");
        socket.Bind(channel);
        var sender = new FecSender(new ObjectEncoder(oti, data, 0), channel, wire, true, false, wire.FecObjectId ? objectId : null, platform);
        int round = sender.RoundSymbols;
        for (int i = 0; i < round; i++) sender.SendNext();

        int pid = FecCoding.HeaderLength(wire, true) - FecCoding.PayloadIdLength;
        var rnd = new Random(3);
        var ids = new List<(int, int)>();
        var syms = new MemoryStream();
        int[] perBlock = new int[oti.Z], dropped = new int[oti.Z];
        foreach (byte[] d in platform.Sent)
        {
            int sbn = FecCoding.PayloadSbn(wire, d, pid), esi = FecCoding.PayloadEsi(wire, d, pid);
            perBlock[sbn]++;
            if (esi < oti.KL && dropped[sbn] < 10 && rnd.Next(3) == 0) { dropped[sbn]++; continue; } // one round has K'-K+10 = 13 repair symbols

            ids.Add((sbn, esi));
            syms.Write(d, pid + FecCoding.PayloadIdLength, t);
        }
        Assert.All(perBlock, n => Assert.Equal(new SourceBlock(oti.KL).KPrime + 10, n)); // K' + 10 of every block
        Assert.All(dropped, n => Assert.Equal(10, n));
        string symsPath = Path.Combine(dir, "ours.bin"), outPath = Path.Combine(dir, "decoded.bin");
        File.WriteAllBytes(symsPath, syms.ToArray());
        var (code, _, err) = CPeer.Run(peer, $"decode {f} {t} {symsPath} {WriteList("ours", ids)} {outPath} {ws}", null, 300_000);
        Assert.True(code == 0, $"liblcrq ({CPeer.Library(wire)}) did not decode our Z {oti.Z} object: {err}");
        Assert.True(File.ReadAllBytes(outPath).AsSpan().SequenceEqual(data), "liblcrq decoded our multi-block symbols to other bytes");
    }

    /// <summary>Which symbols a receiver gets: all source, repair only, or a random mix after loss.</summary>
    private static List<(int, int)> Subset(string kind, int k, Random rnd)
    {
        var ids = new List<(int, int)>();
        switch (kind)
        {
            case "source":
                for (int e = 0; e < k; e++) ids.Add((0, e));
                break;
            case "repair":
                {
                    var seen = new HashSet<int>();
                    while (ids.Count < k + 3)
                    {
                        int e = rnd.Next(k, 1 << 20);
                        if (seen.Add(e)) ids.Add((0, e));
                    }
                    break;
                }
            default:
                {
                    double loss = rnd.NextDouble() * 0.6;
                    for (int e = 0; e < k; e++) if (rnd.NextDouble() >= loss) ids.Add((0, e));
                    int rep = k;
                    while (ids.Count < k + 3) ids.Add((0, rep++));
                    ids = ids.OrderBy(_ => rnd.Next()).ToList();
                    break;
                }
        }
        return ids;
    }

    [Theory]
    [InlineData("source")]
    [InlineData("repair")]
    [InlineData("mixed")]
    public void Liblcrq_Decodes_Our_Symbols(string kind)
    {
        var rnd = new Random(kind.GetHashCode(StringComparison.Ordinal) & 0xffff);
        foreach (var (f, t) in Cases(3 + kind.Length, 30))
        {
            byte[] data = Data(f, (int)(f * 7));
            var oti = Oti.ForLibrecast(f, t);
            var enc = new ObjectEncoder(oti, data, 0);
            var ids = Subset(kind, oti.KL, rnd);
            var syms = new byte[ids.Count * t];
            for (int i = 0; i < ids.Count; i++) enc.Symbol(0, ids[i].Item2, syms, i * t);
            string symPath = Path.Combine(dir, "ours.bin"), outPath = Path.Combine(dir, "decoded.bin");
            File.WriteAllBytes(symPath, syms);
            var (code, _, err) = Rq($"decode {f} {t} {symPath} {WriteList("list", ids)} {outPath}");
            Assert.True(code == 0, $"liblcrq could not decode our {kind} symbols (F {f}, T {t}, {ids.Count} symbols): {err}");
            Assert.True(File.ReadAllBytes(outPath).AsSpan().SequenceEqual(data), $"liblcrq decoded our symbols to other bytes (F {f}, T {t})");
        }
    }

    [Theory]
    [InlineData("source")]
    [InlineData("repair")]
    [InlineData("mixed")]
    public void We_Decode_Liblcrqs_Symbols(string kind)
    {
        var rnd = new Random(kind.Length * 31);
        foreach (var (f, t) in Cases(7 + kind.Length, 30))
        {
            byte[] data = Data(f, (int)(f * 3));
            var oti = Oti.ForLibrecast(f, t);
            var ids = Subset(kind, oti.KL, rnd);
            string dataPath = Path.Combine(dir, "data.bin"), outPath = Path.Combine(dir, "theirs.bin");
            File.WriteAllBytes(dataPath, data);
            var (code, _, err) = Rq($"encode {f} {t} {dataPath} {WriteList("list", ids)} {outPath}");
            Assert.True(code == 0, err);
            byte[] theirs = File.ReadAllBytes(outPath);
            var dec = new ObjectDecoder(oti, 8);
            for (int i = 0; i < ids.Count && !dec.Complete; i++) dec.Add(0, ids[i].Item2, theirs, i * t);
            Assert.True(dec.Complete, $"we could not decode liblcrq's {kind} symbols (F {f}, T {t}, K {oti.KL}, {ids.Count} symbols)");
            Assert.True(dec.Result.AsSpan().SequenceEqual(data), $"we decoded liblcrq's symbols to other bytes (F {f}, T {t})");
        }
    }
}
