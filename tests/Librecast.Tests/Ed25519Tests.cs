using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using Librecast.Crypto;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The managed SHA-512 and Ed25519/Ed25519ph (src/Librecast/Crypto) against RFC 8032's own
/// vectors, .NET's SHA512, and libsodium itself (tests/peers/sodium.c, compiled in the run): random
/// keys and messages signed byte-identically and verified both ways, and the inputs a strict
/// verifier must refuse (S not below L, small-order and non-canonical keys, small-order R)
/// refused by both.
/// </summary>
public class Ed25519Tests
{
    private const int Cases = 10_000;

    private static string Hex(byte[] b) => b.Length == 0 ? "-" : Convert.ToHexString(b).ToLowerInvariant();

    private static List<string> Sodium(IEnumerable<string> requests, int count)
    {
        var input = new StringBuilder();
        foreach (string r in requests) input.Append(r).Append('\n');
        var (code, stdout, stderr) = CPeer.Run(CPeer.Build("sodium"), "", input.ToString(), 600_000);
        Assert.True(code == 0, "sodium peer failed: " + stderr);
        var answers = new List<string>(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(count, answers.Count);
        foreach (string a in answers) Assert.False(a.StartsWith("error", StringComparison.Ordinal), a);
        return answers;
    }

    [Fact]
    public void The_Curve_Constants_Are_What_Their_Definitions_Give()
    {
        Assert.True(new Ed25519().ConstantsAreRight());
    }

    [Fact]
    public void Sha512_Equals_DotNet_On_Random_Lengths_Fed_In_Random_Parts()
    {
        var rng = new Random(8032);
        var ours = new Sha512();
        byte[] digest = new byte[64];
        for (int n = 0; n < 2000; n++)
        {
            byte[] m = new byte[rng.Next(n < 300 ? n + 1 : 5000)];
            rng.NextBytes(m);
            int at = 0;
            while (at < m.Length)
            {
                int part = Math.Min(m.Length - at, rng.Next(1, 300));
                ours.Update(m, at, part);
                at += part;
            }
            ours.Finish(digest, 0);
            Assert.Equal(SHA512.HashData(m), digest);
        }
    }

    [Theory]
    // RFC 8032 7.1, TEST 1, TEST 2 and TEST 3.
    [InlineData("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    [InlineData("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")]
    public void Rfc8032_Ed25519_Vectors(string seedHex, string publicHex, string messageHex, string signatureHex)
    {
        var ed = new Ed25519();
        byte[] seed = Convert.FromHexString(seedHex), message = Convert.FromHexString(messageHex);
        byte[] pk = new byte[32], sig = new byte[64];
        ed.PublicKey(seed, 0, pk, 0);
        Assert.Equal(publicHex, Convert.ToHexString(pk).ToLowerInvariant());
        ed.Sign(seed, 0, pk, 0, message, 0, message.Length, sig, 0);
        Assert.Equal(signatureHex, Convert.ToHexString(sig).ToLowerInvariant());
        Assert.True(ed.Verify(pk, 0, message, 0, message.Length, sig, 0));
        sig[5] ^= 1;
        Assert.False(ed.Verify(pk, 0, message, 0, message.Length, sig, 0));
    }

    [Fact]
    public void Rfc8032_Ed25519ph_Vector_Abc()
    {
        // RFC 8032 7.3, TEST abc.
        var ed = new Ed25519();
        byte[] seed = Convert.FromHexString("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42");
        byte[] pk = new byte[32], sig = new byte[64], digest = new byte[64];
        ed.PublicKey(seed, 0, pk, 0);
        Assert.Equal("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", Convert.ToHexString(pk).ToLowerInvariant());
        Sha512.Hash(Encoding.ASCII.GetBytes("abc"), 0, 3, digest, 0);
        ed.SignPrehashed(seed, 0, pk, 0, digest, 0, sig, 0);
        Assert.Equal("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41" +
                     "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406", Convert.ToHexString(sig).ToLowerInvariant());
        Assert.True(ed.VerifyPrehashed(pk, 0, digest, 0, sig, 0));
        // A pure signature is not a ph one, nor the other way round.
        Assert.False(ed.Verify(pk, 0, Encoding.ASCII.GetBytes("abc"), 0, 3, sig, 0));
    }

    [Fact]
    public void Random_Keys_And_Messages_Sign_Identically_To_Libsodium_And_Verify_Both_Ways()
    {
        var rng = new Random(25519);
        var ed = new Ed25519();
        var seeds = new byte[Cases][];
        var messages = new byte[Cases][];
        var requests = new List<string>();
        var oursPk = new byte[Cases][];
        var oursSig = new byte[Cases][];
        var oursPh = new byte[Cases][];
        byte[] digest = new byte[64];
        for (int i = 0; i < Cases; i++)
        {
            seeds[i] = new byte[32];
            rng.NextBytes(seeds[i]);
            messages[i] = new byte[rng.Next(i % 10 == 0 ? 2000 : 200)];
            rng.NextBytes(messages[i]);
            oursPk[i] = new byte[32];
            oursSig[i] = new byte[64];
            oursPh[i] = new byte[64];
            ed.PublicKey(seeds[i], 0, oursPk[i], 0);
            ed.Sign(seeds[i], 0, oursPk[i], 0, messages[i], 0, messages[i].Length, oursSig[i], 0);
            Sha512.Hash(messages[i], 0, messages[i].Length, digest, 0);
            ed.SignPrehashed(seeds[i], 0, oursPk[i], 0, digest, 0, oursPh[i], 0);
            requests.Add($"edsign {Hex(seeds[i])} {Hex(messages[i])}");
            requests.Add($"edphsign {Hex(seeds[i])} {Hex(messages[i])}");
            // Ours, with one bit of the signature flipped half the time: libsodium must agree with us.
            byte[] flipped = (byte[])oursPh[i].Clone();
            if (i % 2 == 1) flipped[rng.Next(64)] ^= (byte)(1 << rng.Next(8));
            requests.Add($"edphverify {Hex(oursPk[i])} {Hex(messages[i])} {Hex(flipped)}");
            oursPh[i] = flipped;
        }
        List<string> answers = Sodium(requests, 3 * Cases);
        int sameKeys = 0, sameSigs = 0, samePh = 0, weVerified = 0, agreedOnFlips = 0;
        for (int i = 0; i < Cases; i++)
        {
            string[] pure = answers[3 * i].Split(' '), ph = answers[3 * i + 1].Split(' ');
            Assert.Equal(pure[0], Hex(oursPk[i]));
            sameKeys++;
            Assert.True(pure[1] == Hex(oursSig[i]), $"case {i}: pure signature differs from libsodium's");
            sameSigs++;
            if (i % 2 == 0)
            {
                Assert.True(ph[1] == Hex(oursPh[i]), $"case {i}: Ed25519ph signature differs from libsodium's");
                samePh++;
            }
            // libsodium's signatures verify with us; a flipped bit in them does not.
            byte[] theirs = Convert.FromHexString(ph[1]);
            Sha512.Hash(messages[i], 0, messages[i].Length, digest, 0);
            Assert.True(ed.VerifyPrehashed(oursPk[i], 0, digest, 0, theirs, 0), $"case {i}: libsodium's Ed25519ph signature refused");
            Assert.True(ed.Verify(oursPk[i], 0, messages[i], 0, messages[i].Length, Convert.FromHexString(pure[1]), 0), $"case {i}: libsodium's signature refused");
            weVerified++;
            bool oursSays = ed.VerifyPrehashed(oursPk[i], 0, digest, 0, oursPh[i], 0);
            Assert.Equal(answers[3 * i + 2] == "ok", oursSays);
            Assert.Equal(i % 2 == 0, oursSays);
            agreedOnFlips++;
        }
        TestContext.Current.SendDiagnosticMessage(
            $"Ed25519 vs libsodium: {Cases} random keys: {sameKeys} public keys and {sameSigs} signatures byte-identical, {samePh} Ed25519ph identical " +
            $"(the other half bit-flipped), {weVerified} of libsodium's verified by us, {agreedOnFlips} verdicts on flipped/unflipped signatures the same as libsodium's");
    }

    // The points of order dividing 8, as libsodium's blacklist lists their canonical encodings.
    private static readonly string[] SmallOrder =
    {
        "0100000000000000000000000000000000000000000000000000000000000000", // identity
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2 (y = -1)
        "0000000000000000000000000000000000000000000000000000000000000000", // order 4 (y = 0)
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    };

    [Fact]
    public void What_A_Strict_Verifier_Refuses_Both_Refuse()
    {
        var ed = new Ed25519();
        byte[] seed = new byte[32], pk = new byte[32], sig = new byte[64];
        new Random(7).NextBytes(seed);
        byte[] m = Encoding.ASCII.GetBytes("restricted channel packet");
        ed.PublicKey(seed, 0, pk, 0);
        ed.Sign(seed, 0, pk, 0, m, 0, m.Length, sig, 0);
        var cases = new List<(string Why, byte[] Pk, byte[] Sig)>();

        // S + L: the same point equation holds, the encoding is not canonical.
        byte[] sPlusL = (byte[])sig.Clone();
        var s = new System.Numerics.BigInteger(sig.AsSpan(32, 32), isUnsigned: true);
        var l = System.Numerics.BigInteger.Pow(2, 252) + System.Numerics.BigInteger.Parse("27742317777372353535851937790883648493");
        byte[] big = (s + l).ToByteArray(isUnsigned: true);
        Array.Clear(sPlusL, 32, 32);
        Array.Copy(big, 0, sPlusL, 32, big.Length);
        cases.Add(("S + L", pk, sPlusL));
        // S = L exactly, and all ones.
        byte[] sIsL = (byte[])sig.Clone();
        Array.Clear(sIsL, 32, 32);
        Array.Copy(l.ToByteArray(isUnsigned: true), 0, sIsL, 32, 32);
        cases.Add(("S = L", pk, sIsL));
        // Small-order public keys, with a signature made to pass a lax verifier: R = identity, S = 0
        // ([0]B = R + [k]A holds for A of small order only when [k]A is the identity, often enough).
        foreach (string so in SmallOrder)
        {
            byte[] key = Convert.FromHexString(so);
            byte[] lax = new byte[64];
            lax[0] = 1; // R = identity
            cases.Add(("small-order key " + so[..8], key, lax));
            cases.Add(("small-order R " + so[..8], pk, Concat(key, sig.AsSpan(32, 32).ToArray())));
        }
        // Non-canonical key: y = p + 1 (the identity's y, written as y + p).
        byte[] nonCanonical = Convert.FromHexString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        cases.Add(("non-canonical key y = p + 1", nonCanonical, sig));
        // A key that is no point at all (y with no x): x^2 = (y^2 - 1)/(d y^2 + 1) not a square for y = 2.
        byte[] noPoint = new byte[32];
        noPoint[0] = 2;
        cases.Add(("key not on the curve (y = 2)", noPoint, sig));
        // And the genuine one, which both accept.
        cases.Add(("genuine", pk, sig));

        var requests = new List<string>();
        foreach (var c in cases) requests.Add($"edverify {Hex(c.Pk)} {Hex(m)} {Hex(c.Sig)}");
        List<string> answers = Sodium(requests, cases.Count);
        var report = new StringBuilder();
        for (int i = 0; i < cases.Count; i++)
        {
            bool ours = ed.Verify(cases[i].Pk, 0, m, 0, m.Length, cases[i].Sig, 0);
            report.Append($"{cases[i].Why}: libsodium {answers[i]}, ours {(ours ? "ok" : "fail")}\n");
            Assert.True(answers[i] == (ours ? "ok" : "fail"), "verdicts differ on " + cases[i].Why + "\n" + report);
            Assert.Equal(cases[i].Why == "genuine", ours);
        }
        TestContext.Current.SendDiagnosticMessage("Ed25519 strict verification, ours and libsodium's:\n" + report);
    }

    [Fact]
    public void Sign_And_Verify_Allocate_Nothing_Once_Constructed()
    {
        var ed = new Ed25519();
        byte[] seed = new byte[32], pk = new byte[32], sig = new byte[64], digest = new byte[64];
        byte[] m = new byte[300];
        new Random(1).NextBytes(seed);
        ed.PublicKey(seed, 0, pk, 0);
        ed.Sign(seed, 0, pk, 0, m, 0, m.Length, sig, 0);
        Assert.True(ed.Verify(pk, 0, m, 0, m.Length, sig, 0));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            m[0] = (byte)i;
            ed.Sign(seed, 0, pk, 0, m, 0, m.Length, sig, 0);
            if (!ed.Verify(pk, 0, m, 0, m.Length, sig, 0)) Assert.Fail("verify failed");
            ed.SignPrehashed(seed, 0, pk, 0, digest, 0, sig, 0);
            if (!ed.VerifyPrehashed(pk, 0, digest, 0, sig, 0)) Assert.Fail("ph verify failed");
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static byte[] Concat(byte[] a, byte[] b)
    {
        byte[] r = new byte[a.Length + b.Length];
        a.CopyTo(r, 0);
        b.CopyTo(r, a.Length);
        return r;
    }
}
