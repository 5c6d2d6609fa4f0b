using System;
using System.Text;
using CsCheck;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Checks the portable <see cref="Blake3Hasher"/> against two independent implementations (the
/// Blake3 NuGet package and the C code inside liblibrecast) and against digests published in
/// the BLAKE3 test vectors, so that a mistake shared by both references would still show.
/// </summary>
public class Blake3Tests
{
    // The official test_vectors.json input lengths: chunk (1024) and block (64) boundaries and
    // trees with 1 to 100 chunks.
    private static readonly int[] OfficialLengths =
    {
        0, 1, 1023, 1024, 1025, 2048, 2049, 3072, 3073, 4096, 4097, 5120, 5121,
        6144, 6145, 7168, 7169, 8192, 8193, 16384, 31744, 102400,
    };

    // The official vectors are 131-byte extended outputs: two full XOF blocks and a partial one.
    private const int XofLength = 131;

    /// <summary>The input pattern of the official test vectors: byte i is i mod 251.</summary>
    private static byte[] OfficialInput(int length)
    {
        var input = new byte[length];
        for (int i = 0; i < length; i++)
            input[i] = (byte)(i % 251);
        return input;
    }

    private static byte[] Ours(byte[] input, int outLength)
    {
        var hasher = new Blake3Hasher();
        hasher.Update(input, 0, input.Length);
        var output = new byte[outLength];
        hasher.Finish(output, 0, outLength);
        return output;
    }

    private static byte[] Package(byte[] input, int outLength)
    {
        var output = new byte[outLength];
        Blake3.Hasher.Hash(input, output);
        return output;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [Theory]
    [InlineData(0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262e00f03e7b69af26b7faaf09fcd333050338ddfe085b8cc869ca98b206c08243a26f5487789e8f660afe6c99ef9e0c52b92e7393024a80459cf91f476f9ffdbda7001c22e159b402631f277ca96f2defdf1078282314e763699a31c5363165421cce14d")]
    [InlineData(1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444f4c4a22b4b399155358a994e52bf255de60035742ec71bd08ac275a1b51cc6bfe332b0ef84b409108cda080e6269ed4b3e2c3f7d722aa4cdc98d16deb554e5627be8f955c98e1d5f9565a9194cad0c4285f93700062d9595adb992ae68ff12800ab67a")]
    [InlineData(7169, "a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e781798a8b20534be1ca9eb2ae2df3fae2ea60e48c6fb0b850b1385b5de0fe460dbe9d9f9b0d8db4435da75c601156df9d047f4ede008732eb17adc05d96180f8a73548522840779e6062d643b79478a6e8dbce68927f36ebf676ffa7d72d5f68f050b119c8")]
    public void Matches_Published_Test_Vectors(int length, string expectedXof)
    {
        byte[] input = OfficialInput(length);

        Assert.Equal(expectedXof, Hex(Ours(input, XofLength)));
        var digest = new byte[Blake3Hasher.OutLength];
        Blake3Hasher.Hash(input, 0, input.Length, digest, 0);
        Assert.Equal(expectedXof.Substring(0, 2 * Blake3Hasher.OutLength), Hex(digest));
    }

    [Fact]
    public void Matches_Blake3_Package_On_Official_Input_Lengths()
    {
        foreach (int length in OfficialLengths)
        {
            byte[] input = OfficialInput(length);
            Assert.True(Hex(Package(input, 32)) == Hex(Ours(input, 32)), "32-byte digest differs at length " + length);
            Assert.True(Hex(Package(input, XofLength)) == Hex(Ours(input, XofLength)), "XOF output differs at length " + length);
        }
    }

    [Fact]
    public void Matches_Blake3_Package_On_Random_Inputs()
    {
        Gen.Byte.Array[0, 5000].Sample(
            input => Hex(Ours(input, 32)) == Hex(Package(input, 32)),
            iter: 10_000,
            print: Hex);
    }

    [Fact]
    public void Matches_Blake3_Package_On_Random_Output_Lengths()
    {
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[0, 700]).Sample(
            (input, outLength) => Hex(Ours(input, outLength)) == Hex(Package(input, outLength)),
            iter: 2_000,
            print: t => Hex(t.Item1) + " out " + t.Item2);
    }

    [Fact]
    public void Incremental_Updates_With_Random_Split_Points_Equal_One_Shot()
    {
        Gen.Select(Gen.Byte.Array[0, 5000], Gen.Int[0, 5000].Array[0, 12]).Sample(
            (input, cuts) =>
            {
                int[] points = (int[])cuts.Clone();
                for (int i = 0; i < points.Length; i++)
                    points[i] = Math.Min(points[i], input.Length);
                Array.Sort(points);

                var hasher = new Blake3Hasher();
                int previous = 0;
                foreach (int point in points)
                {
                    hasher.Update(input, previous, point - previous);
                    previous = point;
                }
                hasher.Update(input, previous, input.Length - previous);
                var incremental = new byte[32];
                hasher.Finish(incremental, 0, 32);

                var oneShot = new byte[32];
                Blake3Hasher.Hash(input, 0, input.Length, oneShot, 0);
                return Hex(incremental) == Hex(oneShot) && Hex(oneShot) == Hex(Package(input, 32));
            },
            iter: 2_000,
            print: t => Hex(t.Item1) + " cut at " + string.Join(",", t.Item2));
    }

    [Fact]
    public void Matches_Blake3_Package_On_Multi_Megabyte_Input_Fed_In_Odd_Pieces()
    {
        // 3 MiB + 123 bytes is 3073 chunks: a tree ten levels deep with a lone last chunk.
        var input = new byte[3 * 1024 * 1024 + 123];
        new Random(1).NextBytes(input);

        var hasher = new Blake3Hasher();
        int offset = 0;
        int piece = 1;
        while (offset < input.Length)
        {
            int take = Math.Min(piece, input.Length - offset);
            hasher.Update(input, offset, take);
            offset += take;
            piece = piece * 7 % 4099 + 1;
        }
        var ours = new byte[XofLength];
        hasher.Finish(ours, 0, XofLength);

        Assert.Equal(Hex(Package(input, XofLength)), Hex(ours));
    }

    [Fact]
    public void Matches_Librecast_C_Implementation_On_Random_Inputs()
    {
        const int Cases = 10_000;
        int seed = Environment.TickCount;
        var random = new Random(seed);
        var inputs = new byte[Cases][];
        var stdin = new StringBuilder();
        for (int i = 0; i < Cases; i++)
        {
            // Every fourth input sits on a block or chunk boundary (+/-1), where mistakes hide.
            int length = i % 4 == 0
                ? Math.Clamp(random.Next(0, 47) * 64 + random.Next(-1, 2), 0, 3000)
                : random.Next(0, 3001);
            inputs[i] = new byte[length];
            random.NextBytes(inputs[i]);
            stdin.Append(Hex(inputs[i])).Append('\n');
        }

        string exe = CPeer.Build("b3");
        var (code, stdout, stderr) = CPeer.Run(exe, "", stdin.ToString(), 120_000);
        Assert.True(code == 0, "b3 peer failed (exit " + code + "): " + stderr);

        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Cases, lines.Length);
        for (int i = 0; i < Cases; i++)
        {
            string ours = Hex(Ours(inputs[i], 32));
            if (ours != lines[i])
                Assert.Fail("digest differs from liblibrecast's blake3 (seed " + seed + ", case " + i +
                    ", length " + inputs[i].Length + "): C " + lines[i] + ", ours " + ours +
                    ", input " + Hex(inputs[i]));
        }
    }

    [Fact]
    public void Finish_Twice_Returns_The_Same_Output()
    {
        byte[] input = OfficialInput(5121);
        var hasher = new Blake3Hasher();
        hasher.Update(input, 0, input.Length);
        var first = new byte[XofLength];
        var second = new byte[XofLength];
        hasher.Finish(first, 0, XofLength);
        hasher.Finish(second, 0, XofLength);

        Assert.Equal(Hex(first), Hex(second));
    }

    [Fact]
    public void Update_After_Finish_Continues_The_Same_Input()
    {
        foreach (int split in new[] { 0, 1, 64, 1024, 1025, 3000, 4096 })
        {
            byte[] input = OfficialInput(8193);
            var hasher = new Blake3Hasher();
            hasher.Update(input, 0, split);
            var early = new byte[XofLength];
            hasher.Finish(early, 0, XofLength);
            Assert.Equal(Hex(Package(input[..split], XofLength)), Hex(early));

            hasher.Update(input, split, input.Length - split);
            var whole = new byte[32];
            hasher.Finish(whole, 0, 32);
            Assert.Equal(Hex(Package(input, 32)), Hex(whole));
        }
    }

    [Fact]
    public void Reset_Forgets_Earlier_Input()
    {
        byte[] noise = OfficialInput(3073);
        byte[] input = OfficialInput(2049);
        var hasher = new Blake3Hasher();
        hasher.Update(noise, 0, noise.Length);
        hasher.Reset();
        hasher.Update(input, 0, input.Length);
        var output = new byte[32];
        hasher.Finish(output, 0, 32);

        Assert.Equal(Hex(Package(input, 32)), Hex(output));
    }

    [Fact]
    public void Finish_Writes_Only_The_Requested_Range()
    {
        byte[] input = OfficialInput(100);
        var output = new byte[80];
        Array.Fill(output, (byte)0xEE);
        var hasher = new Blake3Hasher();
        hasher.Update(input, 0, input.Length);
        hasher.Finish(output, 7, 70);

        Assert.Equal(Hex(Package(input, 70)), Hex(output[7..77]));
        Assert.All(output[..7], b => Assert.Equal(0xEE, b));
        Assert.All(output[77..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void Update_Honours_Offset_And_Count()
    {
        byte[] input = OfficialInput(3000);
        var padded = new byte[input.Length + 20];
        Array.Fill(padded, (byte)0x5A);
        Array.Copy(input, 0, padded, 13, input.Length);
        var output = new byte[32];
        Blake3Hasher.Hash(padded, 13, input.Length, output, 0);

        Assert.Equal(Hex(Package(input, 32)), Hex(output));
    }

    [Fact]
    public void Invalid_Arguments_Throw_Naming_The_Argument()
    {
        var hasher = new Blake3Hasher();
        var buffer = new byte[10];

        Assert.Equal("input", Assert.Throws<ArgumentNullException>(() => hasher.Update(null!, 0, 0)).ParamName);
        Assert.Equal("offset", Assert.Throws<ArgumentOutOfRangeException>(() => hasher.Update(buffer, -1, 0)).ParamName);
        Assert.Equal("offset", Assert.Throws<ArgumentOutOfRangeException>(() => hasher.Update(buffer, 11, 0)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => hasher.Update(buffer, 0, -1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => hasher.Update(buffer, 5, 6)).ParamName);

        Assert.Equal("output", Assert.Throws<ArgumentNullException>(() => hasher.Finish(null!, 0, 0)).ParamName);
        Assert.Equal("offset", Assert.Throws<ArgumentOutOfRangeException>(() => hasher.Finish(buffer, -1, 1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => hasher.Finish(buffer, 0, 11)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => hasher.Finish(buffer, 3, -2)).ParamName);

        Assert.Equal("input", Assert.Throws<ArgumentNullException>(() => Blake3Hasher.Hash(null!, 0, 0, new byte[32], 0)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentNullException>(() => Blake3Hasher.Hash(buffer, 0, 0, null!, 0)).ParamName);
        Assert.Equal("outputOffset", Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Hasher.Hash(buffer, 0, 0, new byte[32], 1)).ParamName);
        Assert.Equal("outputOffset", Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Hasher.Hash(buffer, 0, 0, new byte[40], -1)).ParamName);

        // Boundary cases that are valid: empty ranges at the very end of a buffer.
        hasher.Update(buffer, 10, 0);
        hasher.Finish(buffer, 10, 0);
        Blake3Hasher.Hash(buffer, 10, 0, new byte[32], 0);
    }

    [Fact]
    public void Update_And_Finish_Allocate_Nothing()
    {
        byte[] input = OfficialInput(5000);
        var output = new byte[XofLength];
        var hasher = new Blake3Hasher();

        // Warm up so JIT tiering and static initialisation are not counted.
        for (int i = 0; i < 100; i++)
        {
            hasher.Update(input, 0, input.Length);
            hasher.Finish(output, 0, output.Length);
        }
        hasher.Reset();

        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 1000; i++)
        {
            hasher.Update(input, i % 50, input.Length - 50);
            hasher.Finish(output, 0, output.Length);
            if (i % 100 == 99)
                hasher.Reset();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
