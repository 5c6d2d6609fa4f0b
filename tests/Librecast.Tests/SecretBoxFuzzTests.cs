using System;
using CsCheck;
using Librecast.Crypto;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Fuzzing the decrypt path: valid SYMM datagrams with mutations (bit flips, byte sets,
/// truncation, extension, MAC and nonce swapped between datagrams) and pure random bytes.
/// Zero exceptions; every input is counted as opened or rejected by reason; nothing but the
/// untouched original ever opens. <c>LIBRECAST_FUZZ_ITERATIONS</c> (default 50,000) inputs; the
/// long run is <c>LIBRECAST_FUZZ_ITERATIONS=1000000 tests/run -class Librecast.Tests.SecretBoxFuzzTests</c>.
/// </summary>
public class SecretBoxFuzzTests
{
    private static long Iterations =>
        long.TryParse(Environment.GetEnvironmentVariable("LIBRECAST_FUZZ_ITERATIONS"), out long n) && n > 0 ? n : 50_000;

    private static readonly byte[] Key = Convert.FromHexString("8f2a6c1e0b9d4f7a3c5e8b1d6f0a2c4e9b7d5f3a1c8e6b4d2f0a9c7e5b3d1f8a");

    /// <summary>An input and, when it is unmutated, the plaintext it must open to (else null).</summary>
    private static readonly Gen<(byte[] Datagram, byte[]? Expected)> Inputs = Gen.Frequency(
        (1, Gen.Byte.Array[0, 400].Select(b => (b, (byte[]?)null))),
        (5, Gen.Select(Gen.Byte.Array[0, 300], Gen.Int.Array[0, 4], Gen.Int[0, 5], Gen.Byte.Array[16])
            .Select((plain, picks, kind, other) =>
            {
                using var box = new SecretBox(Key);
                var d = new byte[SecretBox.SealedLength(plain.Length)];
                box.Seal(plain, 0, plain.Length, d, 0, Platform);
                byte[] original = (byte[])d.Clone();
                foreach (int pick in picks)
                {
                    int at = (int)((uint)pick % (uint)Math.Max(1, d.Length));
                    switch (kind)
                    {
                        case 0: if (d.Length > 0) d[at] ^= (byte)(1 << (pick & 7)); break;
                        case 1: if (d.Length > 0) d[at] = (byte)(pick >> 8); break;
                        case 2: Array.Resize(ref d, at); break;
                        case 3: Array.Resize(ref d, d.Length + (pick & 63)); break;
                        case 4: if (d.Length >= 16) Array.Copy(other, 0, d, 0, 16); break;                 // another MAC
                        default: if (d.Length >= 40) Array.Copy(other, 0, d, d.Length - 24, 16); break;    // another nonce
                    }
                }
                bool unchanged = d.AsSpan().SequenceEqual(original);
                return (d, unchanged ? plain : null);
            })));

    // Thread-static: CsCheck may generate on several threads; the fuzz loop itself runs on one.
    [ThreadStatic] private static NullPlatform? platform;
    private static NullPlatform Platform => platform ??= new NullPlatform();

    [Fact]
    public void Open_Never_Throws_And_Only_Untouched_Datagrams_Open()
    {
        using var box = new SecretBox(Key);
        var plain = new byte[256]; // smaller than the largest plaintexts: DestinationTooSmall is exercised too
        long ok = 0, forged = 0, tooShort = 0, tooSmall = 0, mutatedAccepted = 0;
        Inputs.Sample(input =>
        {
            var (d, expected) = input;
            SecretBoxStatus s = box.Open(d, 0, d.Length, plain, 0, out int n);
            switch (s)
            {
                case SecretBoxStatus.Ok:
                    if (expected == null) { mutatedAccepted++; throw new InvalidOperationException("a mutated or random datagram opened: " + Convert.ToHexString(d)); }
                    if (n != expected.Length || !plain.AsSpan(0, n).SequenceEqual(expected))
                        throw new InvalidOperationException("opened to the wrong plaintext: " + Convert.ToHexString(d));
                    ok++;
                    break;
                case SecretBoxStatus.Forged: forged++; break;
                case SecretBoxStatus.TooShort: tooShort++; break;
                case SecretBoxStatus.DestinationTooSmall: tooSmall++; break;
                default: throw new InvalidOperationException("unknown status " + s);
            }
            if (s != SecretBoxStatus.Ok && n != 0) throw new InvalidOperationException("a rejection reported a length");
        }, iter: Iterations, threads: 1);
        Assert.Equal(Iterations, ok + forged + tooShort + tooSmall);
        Assert.Equal(0, mutatedAccepted);
        Assert.True(ok > 0 && forged > 0 && tooShort > 0 && tooSmall > 0,
            $"the generator is not exercising every outcome: ok {ok}, forged {forged}, short {tooShort}, destination too small {tooSmall}");
        TestContext.Current.SendDiagnosticMessage(
            $"secretbox open fuzz: {Iterations} inputs, {ok} opened (all unmutated), rejected: {forged} forged, {tooShort} too short, {tooSmall} destination too small; 0 exceptions");
    }
}
