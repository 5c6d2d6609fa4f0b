using System;
using System.Collections.Generic;
using Librecast.Crypto;
using Librecast.Fec;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The FEC datagram each wire profile puts out and what its receiver accepts, without a network
/// (the sends land in a <see cref="MemoryPlatform"/>). The byte vectors are the ones measured on
/// the real libraries (shared/WIRE-0.11.md section 5: F 3000 in 1024-byte symbols); that the real
/// libraries decode ours and we theirs is FecWireTests' job.
/// </summary>
public class FecLayoutTests
{
    private static byte[] Data(int f)
    {
        var d = new byte[f];
        for (int i = 0; i < f; i++) d[i] = (byte)i; // 00 01 02 ..., the measured object
        return d;
    }

    private static List<byte[]> Send(WireProfile wire, byte[] obj, byte[]? objectId, bool oti, bool rand, int count, byte[]? key = null)
    {
        var platform = new MemoryPlatform();
        using var ctx = new Context(platform) { Wire = wire };
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("bench");
        if (key != null) c.SetKey(key);
        s.Bind(c);
        var sender = new FecSender(new ObjectEncoder(Oti.ForLibrecast(obj.Length, 1024), obj, 0), c, wire, oti, rand, objectId, platform);
        for (int i = 0; i < count; i++) sender.SendNext();
        return new List<byte[]>(platform.Sent);
    }

    private static byte[] Blake3(byte[] data)
    {
        var h = new byte[32];
        Blake3Hasher.Hash(data, 0, data.Length, h, 0);
        return h;
    }

    private static string Hex(byte[] d, int offset, int count) => Convert.ToHexStringLower(d, offset, count);

    private static int Esi(byte[] pid, int at) => (pid[at + 1] << 16) | (pid[at + 2] << 8) | pid[at + 3];

    [Fact]
    public void V0_11_Datagram_Is_ObjectId_Oti_Scheme_Pid_Symbol_As_Measured()
    {
        byte[] obj = Data(3000);
        var sent = Send(WireProfile.V0_11, obj, Blake3(obj), oti: true, rand: false, count: 21);
        Assert.All(sent, d => Assert.Equal(1072, d.Length));
        Assert.Equal(Hex(Blake3(obj), 0, 32), Hex(sent[0], 0, 32));
        Assert.StartsWith("6c943946", Hex(sent[0], 0, 32)); // the OID seen on the wire
        Assert.Equal("0000000bb8000400" + "01000104", Hex(sent[0], 32, 12));
        Assert.Equal("00000000", Hex(sent[0], 44, 4));
        Assert.Equal("00000001", Hex(sent[1], 44, 4));
        Assert.Equal("00000002", Hex(sent[2], 44, 4));
        Assert.Equal(Hex(obj, 0, 1024), Hex(sent[0], 48, 1024)); // source symbol 0 is the data
        for (int i = 3; i < 20; i++)
        {
            Assert.Equal(0, sent[i][44]);
            Assert.InRange(Esi(sent[i], 44), 3, 0xFFFFFE); // random repair ESIs in [K, 2^24 - 1)
        }
        Assert.Equal("00000000", Hex(sent[20], 44, 4)); // K' + 10 = 20 a round, then SBN 0 again (Z = 1)
        Assert.Equal(sent[0], sent[20]);
    }

    [Fact]
    public void V0_9_Datagram_Has_No_ObjectId_And_The_Oti_Only_When_Asked()
    {
        byte[] obj = Data(3000);
        var withOti = Send(WireProfile.V0_9, obj, null, oti: true, rand: false, count: 4);
        Assert.All(withOti, d => Assert.Equal(1040, d.Length));
        Assert.Equal("0000000bb8000400" + "01000104" + "00000001", Hex(withOti[1], 0, 16));
        var plain = Send(WireProfile.V0_9, obj, null, oti: false, rand: false, count: 3);
        Assert.All(plain, d => Assert.Equal(1028, d.Length));
        Assert.Equal("00000002", Hex(plain[2], 0, 4));
    }

    [Fact]
    public void V0_9_Symm_Seals_Each_Datagram_And_Drops_The_Oti_As_0_9_1_Does()
    {
        byte[] obj = Data(3000);
        var key = new byte[32];
        key[0] = 7;
        var sent = Send(WireProfile.V0_9, obj, null, oti: true, rand: false, count: 2, key: key);
        Assert.All(sent, d => Assert.Equal(1068, d.Length)); // box(pid ‖ symbol) ‖ nonce: no OTI
        using var box = new SecretBox(key);
        var plain = new byte[1028];
        Assert.Equal(SecretBoxStatus.Ok, box.Open(sent[1], 0, sent[1].Length, plain, 0, out int n));
        Assert.Equal(1028, n);
        Assert.Equal("00000001", Hex(plain, 0, 4));
    }

    [Fact]
    public void V0_5_Datagram_Is_Esi_Then_Sbn_And_Rounds_Are_KPrime_Plus_5()
    {
        byte[] obj = Data(3000);
        var sent = Send(WireProfile.V0_5, obj, null, oti: false, rand: false, count: 16);
        Assert.All(sent, d => Assert.Equal(1028, d.Length));
        Assert.Equal("00000100", Hex(sent[1], 0, 4)); // ESI 1 (24 bits BE), SBN 0
        Assert.Equal("00000300", Hex(sent[3], 0, 4)); // repair symbols sequential from K
        Assert.Equal("00000000", Hex(sent[15], 0, 4)); // K' + 5 = 15 a round
        Assert.Throws<ArgumentException>(() => Send(WireProfile.V0_5, obj, null, oti: false, rand: true, count: 1));
    }

    [Fact]
    public void FecRand_Sends_Only_Repair_Symbols()
    {
        byte[] obj = Data(3000);
        var sent = Send(WireProfile.V0_11, obj, Blake3(obj), oti: true, rand: true, count: 40);
        var esis = new HashSet<int>();
        foreach (byte[] d in sent)
        {
            Assert.InRange(Esi(d, 44), 3, 0xFFFFFE);
            esis.Add(Esi(d, 44));
        }
        Assert.True(esis.Count > 35, "random ESIs repeat far more than chance: " + esis.Count);
    }

    [Theory]
    [InlineData("0.9")]
    [InlineData("0.11")]
    public void Receiver_Takes_F_And_T_From_The_Oti_And_Drops_Another_Objects_Symbols(string profile)
    {
        WireProfile wire = WireProfile.Parse(profile)!;
        byte[] obj = Data(5000), other = Data(4000);
        var sent = Send(wire, obj, wire.FecObjectId ? Blake3(obj) : null, oti: true, rand: true, count: 30);
        var stray = Send(wire, other, wire.FecObjectId ? Blake3(other) : null, oti: true, rand: false, count: 3);
        var r = new FecReceiver(wire, null, 16, null);
        Assert.False(r.Offer(sent[0], 0, sent[0].Length));
        Assert.Equal(5000, r.Oti!.F);
        foreach (byte[] d in stray) Assert.False(r.Offer(d, 0, d.Length));
        if (wire.FecObjectId) Assert.Equal(3, r.OtherObject);
        else Assert.Equal(3, r.OtiMismatch);
        Assert.False(r.Offer(new byte[10], 0, 10));
        Assert.Equal(1, r.Malformed);
        for (int i = 1; i < sent.Count && !r.Complete; i++) r.Offer(sent[i], 0, sent[i].Length);
        Assert.True(r.Complete);
        Assert.Equal(obj, r.Result![..r.ResultLength]);
    }

    [Fact]
    public void Receiver_Never_Returns_An_Object_Whose_Blake3_Is_Not_Its_Object_Id()
    {
        byte[] obj = Data(3000);
        byte[] wrongId = Blake3(Data(2999));
        var sent = Send(WireProfile.V0_11, obj, wrongId, oti: true, rand: false, count: 40);
        var r = new FecReceiver(WireProfile.V0_11, null, 16, null);
        foreach (byte[] d in sent) Assert.False(r.Offer(d, 0, d.Length));
        Assert.False(r.Complete);
        Assert.Null(r.Result);
        Assert.True(r.RefusedObjects >= 1, "the decoded object was not counted as refused");
    }

    [Fact]
    public void V0_11_Symm_Seals_The_Object_Then_Encodes_It_And_The_Receiver_Opens_It()
    {
        byte[] obj = Data(3000);
        var key = new byte[32];
        key[5] = 9;
        var platform = new MemoryPlatform();
        using var box = new SecretBox(key);
        byte[] sealedObject = FecCoding.SealObject(box, obj, 0, obj.Length, platform);
        Assert.Equal(3040, sealedObject.Length);
        var sent = Send(WireProfile.V0_11, sealedObject, Blake3(obj), oti: true, rand: false, count: 20);
        Assert.Equal(Hex(Blake3(obj), 0, 32), Hex(sent[0], 0, 32)); // the OID names the plaintext
        Assert.Equal("0000000be0000400", Hex(sent[0], 32, 8)); // F = 3000 + 40

        using var open = new SecretBox(key);
        var r = new FecReceiver(WireProfile.V0_11, Oti.ForLibrecast(3040, 1024), 16, open);
        foreach (byte[] d in sent) if (r.Offer(d, 0, d.Length)) break;
        Assert.True(r.Complete);
        Assert.Equal(obj, r.Result![..r.ResultLength]);

        var wrongKey = new byte[32];
        using var wrong = new SecretBox(wrongKey);
        var refused = new FecReceiver(WireProfile.V0_11, null, 16, wrong);
        foreach (byte[] d in sent) refused.Offer(d, 0, d.Length);
        Assert.False(refused.Complete);
        Assert.True(refused.RefusedObjects >= 1);
    }

    [Fact]
    public void V0_11_Refuses_A_Keyed_Channel_And_V0_5_Needs_F()
    {
        byte[] obj = Data(100);
        var key = new byte[32];
        Assert.Throws<ArgumentException>(() => Send(WireProfile.V0_11, obj, Blake3(obj), oti: false, rand: false, count: 1, key: key));
        Assert.Throws<ArgumentException>(() => new FecReceiver(WireProfile.V0_5, null, 16, null));
    }

    [Theory]
    [InlineData("0.5", false)]
    [InlineData("0.9", true)]
    [InlineData("0.11", false)]
    public void Sending_Allocates_Nothing_Per_Symbol(string profile, bool symm)
    {
        WireProfile wire = WireProfile.Parse(profile)!;
        var platform = new NullPlatform();
        using var ctx = new Context(platform) { Wire = wire };
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("fec/alloc");
        if (symm) c.SetKey(new byte[32]);
        s.Bind(c);
        byte[] obj = Data(200_000);
        var sender = new FecSender(new ObjectEncoder(Oti.ForLibrecast(obj.Length, 1024), obj, 0), c, wire,
            oti: wire.FecOti, randomEsis: false, wire.FecObjectId ? Blake3(obj) : null, platform);
        for (int i = 0; i < 300; i++) sender.SendNext(); // warm up: source, repair, the next round
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 2000; i++) sender.SendNext();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated sending 2000 symbols under {profile}");
        int length = FecCoding.HeaderLength(wire, sender.CarriesOti) + 1024 + (symm ? 40 : 0);
        Assert.Equal(2300L * length, platform.Bytes);
    }
}
