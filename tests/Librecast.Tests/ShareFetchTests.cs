using System;
using System.IO;
using Librecast.Fec;
using Librecast.Files;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// <c>lc share</c> to <c>lc fetch</c> from one namespace to another with 20 % of the datagrams
/// dropped on arrival (an nftables random-drop rule in the receiver's namespace: this kernel has no
/// netem), a one-round share to receivers already listening, and a tampered symbol stream that
/// must never produce a file.
/// </summary>
[Collection(NetworkCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ShareFetchTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "share-" + Guid.NewGuid().ToString("N"));

    public ShareFetchTests() => Directory.CreateDirectory(Path.Combine(dir, "out"));

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string KeyFile()
    {
        var key = new byte[32];
        new Random(21).NextBytes(key);
        string path = Path.Combine(dir, "share.key");
        File.WriteAllBytes(path, key);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>
    /// From one network namespace to another (a veth pair between two stacks, made for the test),
    /// 20 % of the datagrams dropped on arrival in the receiver's namespace; under each wire's
    /// symbol datagram (0.11: object id first, a key seals the whole file; 0.9: a key seals each
    /// datagram; 0.5: 0.5.1's layout).
    /// </summary>
    [Theory]
    [InlineData("0.11", false)]
    [InlineData("0.11", true)]
    [InlineData("0.9", true)]
    [InlineData("0.5", false)]
    public void Share_Reaches_Fetch_In_Another_Namespace_Through_20_Percent_Loss_With_Matching_Hash(string wire, bool symm)
    {
        using var net = new NamespacePair();
        string channel = "fleet/share/" + Guid.NewGuid().ToString("N");
        var (code, _, err) = NamespacePair.Run(net.Receiver, "sh -c \"nft add table ip6 lcsharetest && nft add chain ip6 lcsharetest in '{ type filter hook prerouting priority 0; }' && " +
            $"nft add rule ip6 lcsharetest in iifname {NamespacePair.RecvIf} numgen random mod 100 '<' 20 counter drop\"", 10_000);
        Assert.True(code == 0, "nftables rule failed (apt-get install nftables): " + err);
        var data = new byte[1_500_000];
        new Random(3).NextBytes(data);
        string src = Path.Combine(dir, "image.bin");
        File.WriteAllBytes(src, data);
        string outDir = Path.Combine(dir, "out");
        string keyArg = symm ? " --key-file " + KeyFile() : "";
        using var fetch = NamespacePair.StartLc(net.Receiver, $"fetch --wire {wire} -i {NamespacePair.RecvIf} --output {outDir} -t 60{keyArg} {channel}");
        fetch.WaitForStderr("waiting for files");
        var (sc, _, serr) = NamespacePair.Lc(net.Sender, $"share --wire {wire} -i {NamespacePair.SendIf} --rate 40 --rounds 8{keyArg} {src} {channel}", 120_000);
        Assert.True(sc == 0, "lc share failed: " + serr);
        int exit = fetch.WaitForExit(60_000);
        Assert.True(exit == 0, $"lc fetch exited {exit}: {fetch.Stderr}");
        Assert.True(File.ReadAllBytes(Path.Combine(outDir, "image.bin")).AsSpan().SequenceEqual(data));
        Assert.Contains(wire == "0.11" ? "blake3 ok (= object id)" : "blake3 ok", fetch.Stderr);
        // The symbols came through the batched listener (FetchListenTests: many a call, nothing allocated).
        Assert.Matches(@"[1-9][0-9]* datagrams in [1-9][0-9]* receive calls", fetch.Stderr);
        var (_, rules, _) = NamespacePair.Run(net.Receiver, "nft list table ip6 lcsharetest", 10_000);
        Assert.Matches(@"counter packets [1-9][0-9]+", rules); // the loss really happened
    }

    /// <summary>What lc share cannot share gets one line saying why, exit 2, before anything is sent.</summary>
    [Fact]
    public void Share_Refuses_A_Directory_A_Missing_File_And_An_Empty_One_In_One_Line()
    {
        string empty = Path.Combine(dir, "empty.bin");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        foreach (var (path, says) in new[]
        {
            (dir, "is a directory: lc share takes files"),
            (Path.Combine(dir, "none.bin"), "cannot read " + Path.Combine(dir, "none.bin")),
            (empty, "is empty: nothing to share"),
        })
        {
            var (code, stdout, stderr) = Lc.Run($"share -i lo --rounds 1 --join-wait 0 {path} fleet/refused");
            Assert.True(code == 2, $"lc share {path}: exit {code}, stderr {stderr}");
            Assert.Equal("", stdout);
            Assert.Contains(says, stderr);
            Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        }
    }

    /// <summary>
    /// A round that lasts (here 400 kB at 1 Mbit/s, about 3.5 s) says how far it is every 10 %
    /// once it has run 2 s, never 100 % nor after its own end line; a round under 2 s prints only its end.
    /// </summary>
    [Fact]
    public void A_Long_Round_Reports_Its_Progress_And_A_Quick_One_Only_Its_End()
    {
        using var net = new NamespacePair();
        var data = new byte[400_000];
        new Random(5).NextBytes(data);
        string src = Path.Combine(dir, "slow.bin");
        File.WriteAllBytes(src, data);
        string channel = "fleet/progress/" + Guid.NewGuid().ToString("N");
        var (code, _, err) = NamespacePair.Lc(net.Sender, $"share -i {NamespacePair.SendIf} --rate 1 --rounds 1 --join-wait 0 {src} {channel}", 60_000);
        Assert.True(code == 0, "lc share failed: " + err);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int end = Array.FindIndex(lines, l => l.StartsWith("lc: round 1 sent", StringComparison.Ordinal));
        Assert.True(end >= 0, "no end-of-round line: " + err);
        var progress = System.Text.RegularExpressions.Regex.Matches(err, @"lc: round 1: ([0-9]+)% \(([0-9]+) of ([0-9]+) symbols in [0-9]+ s, [0-9.]+ Mbit/s\)");
        Assert.True(progress.Count >= 1, "no progress line in a 3.5 s round: " + err);
        int last = -1;
        foreach (System.Text.RegularExpressions.Match m in progress)
        {
            int percent = int.Parse(m.Groups[1].Value);
            Assert.InRange(percent, Math.Max(1, last + 1), 99); // rising, never 100 before the end
            Assert.True(long.Parse(m.Groups[2].Value) < long.Parse(m.Groups[3].Value));
            last = percent;
        }
        Assert.DoesNotContain(lines[(end + 1)..], l => l.Contains("lc: round 1:", StringComparison.Ordinal));

        // About 0.9 s: the timer ticks 3 times within it, and says nothing before 2 s.
        var (qc, _, qerr) = NamespacePair.Lc(net.Sender, $"share -i {NamespacePair.SendIf} --rate 4 --rounds 1 --join-wait 0 {src} {channel}", 60_000);
        Assert.True(qc == 0, "lc share failed: " + qerr);
        Assert.DoesNotMatch(@"lc: round [0-9]+: ", qerr);
        Assert.Matches(@"lc: round 1 sent \(.* in (0\.[5-9]|1\.[0-9])[0-9]* s", qerr); // long enough for the timer, short of 2 s
    }

    /// <summary>
    /// A one-round share of a small file lasts a few ms; receivers already listening must still
    /// get it (they join the symbols' channel only after the announcement: the join wait).
    /// </summary>
    [Theory]
    [InlineData("0.11")]
    [InlineData("0.5")]
    public void A_One_Round_Share_Of_A_Small_File_Reaches_Every_Receiver_Already_Listening(string wire)
    {
        Netns.Require();
        string channel = "fleet/small/" + Guid.NewGuid().ToString("N");
        var data = new byte[3000];
        new Random(5).NextBytes(data);
        string src = Path.Combine(dir, "node.json");
        File.WriteAllBytes(src, data);
        var fetches = new PeerProcess[3];
        for (int i = 0; i < fetches.Length; i++)
        {
            Directory.CreateDirectory(Path.Combine(dir, "out" + i));
            fetches[i] = Lc.Start($"fetch --wire {wire} -i {Netns.RecvIf} --output {Path.Combine(dir, "out" + i)} -t 30 {channel}");
        }
        try
        {
            foreach (PeerProcess f in fetches) f.WaitForStderr("waiting for files");
            var (sc, _, serr) = Lc.Run($"share --wire {wire} -i {Netns.SendIf} --rounds 1 {src} {channel}", 60_000);
            Assert.True(sc == 0, "lc share failed: " + serr);
            for (int i = 0; i < fetches.Length; i++)
            {
                int exit = fetches[i].WaitForExit(30_000);
                Assert.True(exit == 0, $"lc fetch {i + 1} of 3 exited {exit}: {fetches[i].Stderr}");
                Assert.True(File.ReadAllBytes(Path.Combine(dir, "out" + i, "node.json")).AsSpan().SequenceEqual(data));
            }
        }
        finally
        {
            foreach (PeerProcess f in fetches) f.Dispose();
        }
    }

    /// <summary>
    /// A forged object never yields a file (nor a temporary one): under 0.5 its symbols under the
    /// genuine announcement; under 0.11 also under the genuine object id (BLAKE3 of the genuine
    /// file), which the decoded bytes must equal as well as the announced hash.
    /// </summary>
    [Theory]
    [InlineData("0.11")]
    [InlineData("0.5")]
    public void Tampered_Symbols_Never_Yield_A_Written_File(string wire)
    {
        WireProfile profile = WireProfile.Parse(wire)!;
        Netns.Require();
        string channel = "fleet/tamper/" + Guid.NewGuid().ToString("N");
        var genuine = new byte[300_000];
        new Random(4).NextBytes(genuine);
        var forged = (byte[])genuine.Clone();
        forged[123_456] ^= 0x40;
        var hash = new byte[32];
        Blake3Hasher.Hash(genuine, 0, genuine.Length, hash, 0);
        var oti = Oti.ForBlocks(genuine.Length, 1024, 1000);
        var a = new Announcement("firmware.bin", oti, hash, 77);
        var announce = new byte[Announcement.FixedLength + Announcement.MaxNameLength];
        int alen = a.Write(announce, 0);

        string outDir = Path.Combine(dir, "out");
        using var fetch = Lc.Start($"fetch --wire {wire} -i {Netns.RecvIf} --output {outDir} -t 30 {channel}");
        fetch.WaitForStderr("waiting for files");
        using var ctx = new Context(SocketsPlatform.Instance);
        var socket = ctx.CreateSocket();
        socket.Bind(Interfaces.Resolve(Netns.SendIf));
        var baseChannel = ctx.CreateChannel(channel, profile);
        socket.Bind(baseChannel);
        var symbols = baseChannel.Sideband(77);
        socket.Bind(symbols);
        // Under 0.11 the forged object goes out under the genuine object id.
        var sender = new FecSender(new ObjectEncoder(oti, forged, 0), symbols, profile, false, false, profile.FecObjectId ? hash : null, SocketsPlatform.Instance);
        for (int round = 0; round < 20 && !fetch.HasExited; round++)
        {
            baseChannel.Send(announce, 0, alen);
            sender.SendRound(oti.KL / 2);
            System.Threading.Thread.Sleep(50);
        }
        int exit = fetch.WaitForExit(30_000);
        Assert.Equal(1, exit);
        Assert.Contains("do not match the announced BLAKE3 hash", fetch.Stderr);
        if (profile.FecObjectId) Assert.Contains("nor the object id their datagrams carry", fetch.Stderr);
        Assert.Contains("(1 refused)", fetch.Stderr);
        Assert.Empty(Directory.GetFiles(outDir)); // neither the file nor a temporary one
    }
}
