using System;
using System.Collections.Generic;
using System.Text;
using CsCheck;
using Librecast.Crypto;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The managed secretbox against libsodium itself (tests/peers/sodium.c, compiled in the run):
/// tens of thousands of random keys, nonces and messages through one peer process, in both
/// directions, plus the primitives underneath (HSalsa20, the XSalsa20 keystream, Poly1305) and
/// tampered datagrams.
/// </summary>
public class SecretBoxSodiumTests
{
    private const int Cases = 10_000;

    private static string Hex(byte[] b) => b.Length == 0 ? "-" : Convert.ToHexStringLower(b);
    private static string Hex(byte[] b, int offset, int count) => count == 0 ? "-" : Convert.ToHexStringLower(b, offset, count);

    /// <summary>Message lengths weighted towards what sensors send, with some crossing many blocks.</summary>
    private static readonly Gen<byte[]> Messages = Gen.Frequency(
        (4, Gen.Byte.Array[0, 128]),
        (3, Gen.Byte.Array[128, 1100]),
        (1, Gen.Byte.Array[1100, 4000]));

    private static readonly Gen<(byte[] Key, byte[] Nonce, byte[] Message)> CaseGen =
        Gen.Select(Gen.Byte.Array[32], Gen.Byte.Array[24], Messages);

    /// <summary>Runs the libsodium peer on the request lines and returns its answer lines, one per request.</summary>
    private static string[] Sodium(List<string> requests)
    {
        var input = new StringBuilder();
        foreach (string r in requests) input.Append(r).Append('\n');
        var (code, stdout, stderr) = CPeer.Run(CPeer.Build("sodium"), "", input.ToString(), 300_000);
        Assert.True(code == 0, "sodium peer failed: " + stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(requests.Count, lines.Length);
        return lines;
    }

    [Fact]
    public void Random_Inputs_Seal_Identically_And_Open_Both_Ways_With_Libsodium()
    {
        var cases = CaseGen.Array[Cases].Single();
        var requests = new List<string>(cases.Length * 3);
        var ours = new byte[cases.Length][];
        var platformSealed = new byte[cases.Length][];
        var platform = new NullPlatform();
        foreach (var (c, i) in Indexed(cases))
        {
            using var box = new SecretBox(c.Key);
            var d = new byte[SecretBox.SealedLength(c.Message.Length)];
            box.SealWithNonce(c.Message, 0, c.Message.Length, d, 0, c.Nonce, 0);
            ours[i] = d;
            var p = new byte[d.Length];
            box.Seal(c.Message, 0, c.Message.Length, p, 0, platform);
            platformSealed[i] = p;
            // libsodium seals the same case; opens our box (MAC || ciphertext); opens our
            // platform-nonce datagram in librecast's layout.
            requests.Add("seal " + Hex(c.Key) + " " + Hex(c.Nonce) + " " + Hex(c.Message));
            requests.Add("open " + Hex(c.Key) + " " + Hex(c.Nonce) + " " + Hex(d, 0, d.Length - 24));
            requests.Add("lcopen " + Hex(c.Key) + " " + Hex(p));
        }
        string[] answers = Sodium(requests);

        int sealedSame = 0, sodiumOpenedOurs = 0, weOpenedSodiums = 0, lcLayoutOpened = 0, emptyShort = 0;
        var plain = new byte[8192];
        foreach (var (c, i) in Indexed(cases))
        {
            string what = " (case " + i + ": key " + Hex(c.Key) + " nonce " + Hex(c.Nonce) + " message " + Hex(c.Message) + ")";
            string sodiumBox = answers[3 * i];
            Assert.True(Hex(ours[i], 0, ours[i].Length - 24) == sodiumBox, "sealed bytes differ from libsodium's" + what);
            sealedSame++;
            Assert.True(answers[3 * i + 1] == "ok " + Hex(c.Message), "libsodium did not open our box: " + answers[3 * i + 1] + what);
            sodiumOpenedOurs++;

            // libsodium's box + nonce, as librecast puts it on the wire, opened by us.
            byte[] theirs = Convert.FromHexString(sodiumBox == "-" ? "" : sodiumBox + Hex(c.Nonce));
            using var box = new SecretBox(c.Key);
            SecretBoxStatus s = box.Open(theirs, 0, theirs.Length, plain, 0, out int n);
            if (c.Message.Length == 0)
            {
                // 40 bytes: libsodium's valid empty box, which librecast (and we) drop as too short.
                Assert.Equal(SecretBoxStatus.TooShort, s);
                Assert.Equal("short", answers[3 * i + 2]);
                emptyShort++;
                continue;
            }
            Assert.True(s == SecretBoxStatus.Ok, "we did not open libsodium's box: " + s + what);
            Assert.True(Hex(plain, 0, n) == Hex(c.Message), "we opened libsodium's box to different bytes" + what);
            weOpenedSodiums++;
            Assert.True(answers[3 * i + 2] == "ok " + Hex(c.Message), "libsodium did not open our librecast-layout datagram: " + answers[3 * i + 2] + what);
            lcLayoutOpened++;
        }
        Assert.Equal(Cases, sealedSame);
        Assert.Equal(Cases, sodiumOpenedOurs);
        Assert.Equal(Cases, weOpenedSodiums + emptyShort);
        Assert.Equal(weOpenedSodiums, lcLayoutOpened);
        TestContext.Current.SendDiagnosticMessage(
            $"libsodium interop: {Cases} random cases: {sealedSame} sealed byte-identical, {sodiumOpenedOurs} of ours opened by libsodium, " +
            $"{weOpenedSodiums} of libsodium's opened by us, {emptyShort} empty messages dropped as too short by both layouts");
    }

    [Fact]
    public void Tampered_Datagrams_Are_Rejected_By_Us_And_By_Libsodium()
    {
        var gen = Gen.Select(CaseGen, Gen.Int[0, int.MaxValue]);
        var cases = gen.Array[2_000].Single();
        var requests = new List<string>();
        var plain = new byte[8192];
        int oursRejected = 0;
        foreach (var ((key, nonce, message), pick) in cases)
        {
            using var box = new SecretBox(key);
            var d = new byte[SecretBox.SealedLength(message.Length)];
            box.SealWithNonce(message, 0, message.Length, d, 0, nonce, 0);
            int bit = pick % (d.Length * 8);
            d[bit / 8] ^= (byte)(1 << (bit % 8));
            SecretBoxStatus s = box.Open(d, 0, d.Length, plain, 0, out _);
            if (message.Length == 0)
            {
                Assert.Equal(SecretBoxStatus.TooShort, s);
                continue;
            }
            Assert.True(s == SecretBoxStatus.Forged, "tampered datagram (bit " + bit + ") not rejected: " + Hex(d));
            oursRejected++;
            requests.Add("lcopen " + Hex(key) + " " + Hex(d));
        }
        string[] answers = Sodium(requests);
        Assert.All(answers, a => Assert.Equal("fail", a));
        Assert.Equal(requests.Count, oursRejected);
        Assert.True(oursRejected > 1_500, "too few non-empty cases: " + oursRejected);
    }

    [Fact]
    public void HSalsa20_Keystream_And_Poly1305_Match_Libsodium()
    {
        var keys = Gen.Select(Gen.Byte.Array[32], Gen.Byte.Array[24],
            Gen.Frequency((9, Gen.Int[1, 3000]), (1, Gen.Int[3000, SecretBox.MaxPlaintext + 32])), Gen.Byte.Array[0, 700]).Array[1_000].Single();
        var requests = new List<string>();
        foreach (var (key, nonce, length, message) in keys)
        {
            requests.Add("hsalsa " + Hex(key) + " " + Hex(nonce, 0, 16));
            requests.Add("stream " + Hex(key) + " " + Hex(nonce) + " " + length);
            requests.Add("auth " + Hex(key) + " " + Hex(message));
        }
        string[] answers = Sodium(requests);
        var zeros = new byte[SecretBox.MaxPlaintext];
        var sealedZeros = new byte[SecretBox.MaxPlaintext + SecretBox.Overhead];
        var tag = new byte[16];
        foreach (var ((key, nonce, length, message), i) in Indexed(keys))
        {
            var k = new uint[8];
            for (int w = 0; w < 8; w++) k[w] = Salsa20.Load32(key, 4 * w);
            var sub = new uint[8];
            Salsa20.HSalsa20(k, nonce, 0, sub);
            var subBytes = new byte[32];
            for (int w = 0; w < 8; w++) Salsa20.Store32(subBytes, 4 * w, sub[w]);
            Assert.Equal(answers[3 * i], Hex(subBytes));

            // The secretbox of zeros is the XSalsa20 keystream from byte 32 on (bytes 0..31 key Poly1305).
            int streamLength = length;
            string stream = answers[3 * i + 1];
            if (streamLength > 32)
            {
                using var box = new SecretBox(key);
                int n = streamLength - 32;
                box.SealWithNonce(zeros, 0, n, sealedZeros, 0, nonce, 0);
                Assert.True(stream.Substring(64) == Hex(sealedZeros, SecretBox.MacSize, n),
                    "keystream differs from libsodium's, length " + streamLength + " key " + Hex(key) + " nonce " + Hex(nonce));
            }

            Poly1305.Compute(key, 0, message, 0, message.Length, tag, 0, new byte[16]);
            Assert.Equal(answers[3 * i + 2], Hex(tag));
        }
    }

    private static IEnumerable<(T Item, int Index)> Indexed<T>(T[] items)
    {
        for (int i = 0; i < items.Length; i++) yield return (items[i], i);
    }
}
