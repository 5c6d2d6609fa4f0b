using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// <see cref="Blake3Fast"/> (the .NET hash: SIMD lanes, the tree, all cores) against BLAKE3's
/// official test vectors (Data/blake3-test-vectors.json: test_vectors/test_vectors.json of
/// github.com/BLAKE3-team/BLAKE3 at commit 77b257eee7da5cd608eaf6be8343d3a4c9776af2, CC0) on every
/// path, against the portable <see cref="Blake3Hasher"/> (the reference, which nanoCLR runs) on
/// random lengths and offsets, and against the Blake3 NuGet package (an independent managed
/// implementation) on 100 MB. Paths: lanes 8 (AVX2), 4 (Vector128), 1 (scalar); one thread, or split into jobs (tests
/// split far smaller inputs than the defaults do, so every official length is split too). The
/// machine's own choice without AVX-512, AVX2, SSSE3 or any SIMD is checked in child processes with the
/// runtime's switches off (DOTNET_EnableAVX512/AVX2/SSE42/HWIntrinsic=0).
/// </summary>
[Collection(Blake3FastSerial.Name)]
public class Blake3FastTests
{
    private const int XofLength = 131;
    private static readonly int[] AllLanes = { 8, 4, 1 };

    // (threads, parallelMinBytes, minJobBytes): one thread; and jobs of 1, 4 and 64 chunks over 2 or 3 threads.
    private static readonly (int Threads, int ParallelMin, int MinJob)[] Splits =
    {
        (1, Blake3Fast.ParallelMinBytes, Blake3Fast.MinJobBytes),
        (2, 0, 1024),
        (3, 0, 4096),
        (2, 0, 65536),
    };

    private sealed record Case(int Length, string Hash, string Keyed, string Derive);

    private static readonly Lazy<(byte[] Key, string Context, Case[] Cases)> Vectors = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "blake3-test-vectors.json")));
        JsonElement root = doc.RootElement;
        var cases = new System.Collections.Generic.List<Case>();
        foreach (JsonElement c in root.GetProperty("cases").EnumerateArray())
            cases.Add(new Case(c.GetProperty("input_len").GetInt32(), c.GetProperty("hash").GetString()!,
                c.GetProperty("keyed_hash").GetString()!, c.GetProperty("derive_key").GetString()!));
        return (Encoding.ASCII.GetBytes(root.GetProperty("key").GetString()!), root.GetProperty("context_string").GetString()!, cases.ToArray());
    });

    private static byte[] OfficialInput(int length)
    {
        var input = new byte[length];
        for (int i = 0; i < length; i++)
            input[i] = (byte)(i % 251);
        return input;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] Portable(byte[] input, int offset, int count, int outLength)
    {
        var hasher = new Blake3Hasher();
        hasher.Update(input, offset, count);
        var output = new byte[outLength];
        hasher.Finish(output, 0, outLength);
        return output;
    }

    private static byte[] Fast(byte[] input, int offset, int count, int outLength, int lanes, (int Threads, int ParallelMin, int MinJob) split)
    {
        var output = new byte[outLength];
        Blake3Fast.Hash(input, offset, count, output, lanes, split.Threads, split.ParallelMin, split.MinJob);
        return output;
    }

    [Fact]
    public void The_Vectors_File_Has_Every_Official_Length()
    {
        int[] lengths = Array.ConvertAll(Vectors.Value.Cases, c => c.Length);
        foreach (int required in new[] { 0, 1, 1023, 1024, 1025, 2048, 2049, 3072, 3073, 4096, 4097, 5120, 5121, 6144, 6145, 7168, 7169, 8192, 8193, 16384, 31744, 102400 })
            Assert.Contains(required, lengths);
        Assert.Equal(35, lengths.Length);
    }

    [Fact]
    public void Official_Vectors_On_Every_Path()
    {
        // A child process run with SIMD switched off says which kernel the machine choice must be.
        string? expectLanes = Environment.GetEnvironmentVariable("LIBRECAST_TEST_BLAKE3_LANES");
        if (expectLanes != null)
            Assert.Equal(int.Parse(expectLanes), Blake3Fast.Lanes);

        var (key, context, cases) = Vectors.Value;
        int checkedPaths = 0;
        foreach (Case c in cases)
        {
            byte[] input = OfficialInput(c.Length);
            string what = "length " + c.Length;

            // The defaults (what Blake3Hasher.Hash uses) and the span overload.
            var digest = new byte[32];
            Blake3Hasher.Hash(input, 0, input.Length, digest, 0);
            Assert.True(c.Hash.Substring(0, 64) == Hex(digest), "Blake3Hasher.Hash, " + what);
            var xof = new byte[XofLength];
            Blake3Fast.Hash(input, 0, input.Length, xof);
            Assert.True(c.Hash == Hex(xof), "defaults, " + what);
            Blake3Fast.Hash((ReadOnlySpan<byte>)input, xof);
            Assert.True(c.Hash == Hex(xof), "span, " + what);
            Blake3Fast.KeyedHash(key, input, 0, input.Length, xof);
            Assert.True(c.Keyed == Hex(xof), "keyed defaults, " + what);
            Blake3Fast.DeriveKey(context, input, 0, input.Length, xof);
            Assert.True(c.Derive == Hex(xof), "derive_key defaults, " + what);

            foreach (int lanes in AllLanes)
                foreach (var split in Splits)
                {
                    string path = what + ", lanes " + lanes + ", threads " + split.Threads + ", jobs of " + split.MinJob + "+ bytes";
                    Assert.True(c.Hash == Hex(Fast(input, 0, input.Length, XofLength, lanes, split)), "hash, " + path);
                    var d32 = Fast(input, 0, input.Length, 32, lanes, split);
                    Assert.True(c.Hash.Substring(0, 64) == Hex(d32), "32-byte hash, " + path);

                    Blake3Fast.KeyedHash(key, input, 0, input.Length, xof, lanes, split.Threads, split.ParallelMin, split.MinJob);
                    Assert.True(c.Keyed == Hex(xof), "keyed_hash, " + path);
                    Blake3Fast.KeyedHash(key, input, 0, input.Length, d32, lanes, split.Threads, split.ParallelMin, split.MinJob);
                    Assert.True(c.Keyed.Substring(0, 64) == Hex(d32), "32-byte keyed_hash, " + path);

                    Blake3Fast.DeriveKey(context, input, 0, input.Length, xof, lanes, split.Threads, split.ParallelMin, split.MinJob);
                    Assert.True(c.Derive == Hex(xof), "derive_key, " + path);
                    Blake3Fast.DeriveKey(context, input, 0, input.Length, d32, lanes, split.Threads, split.ParallelMin, split.MinJob);
                    Assert.True(c.Derive.Substring(0, 64) == Hex(d32), "32-byte derive_key, " + path);
                    checkedPaths++;
                }
        }
        Assert.Equal(cases.Length * AllLanes.Length * Splits.Length, checkedPaths);
    }

    [Theory]
    [InlineData("DOTNET_EnableAVX512", 8)]      // AVX2 rotations by shuffles and shifts, not vprord
    [InlineData("DOTNET_EnableAVX2", 4)]        // no AVX2: Vector128 (SSSE3 byte shuffles) is the widest
    [InlineData("DOTNET_EnableSSE42", 4)]       // SSE2 only (x86-64 v1, as NativeAOT's default target): Vector128, rotations by shifts
    [InlineData("DOTNET_EnableHWIntrinsic", 1)] // no SIMD at all: scalar; lanes 4 forced runs Vector128 in software
    public async System.Threading.Tasks.Task Official_Vectors_With_The_Machines_Simd_Switched_Off(string knob, int expectedLanes)
    {
        string dll = typeof(Blake3FastTests).Assembly.Location;
        string exe = Path.ChangeExtension(dll, null);
        var psi = File.Exists(exe) ? new ProcessStartInfo(exe) : new ProcessStartInfo("dotnet") { ArgumentList = { dll } };
        psi.ArgumentList.Add("-method");
        psi.ArgumentList.Add(typeof(Blake3FastTests).FullName + "." + nameof(Official_Vectors_On_Every_Path));
        psi.Environment[knob] = "0";
        psi.Environment["LIBRECAST_TEST_BLAKE3_LANES"] = expectedLanes.ToString();
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using Process p = Process.Start(psi)!;
        CancellationToken ct = TestContext.Current.CancellationToken;
        var stdoutTask = p.StandardOutput.ReadToEndAsync(ct);
        var stderrTask = p.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(300_000);
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("child test run with " + knob + "=0 did not finish in 5 minutes");
        }
        string stdout = await stdoutTask, stderr = await stderrTask;
        Assert.True(p.ExitCode == 0, knob + "=0: child run failed (exit " + p.ExitCode + "):\n" + stdout + stderr);
        // The child ran the one test and it passed (not: found nothing to run).
        Assert.Contains("Total: 1", stdout);
        Assert.Contains("Failed: 0", stdout);
    }

    [Fact]
    public void Agrees_With_The_Portable_Hasher_On_Random_Lengths_And_Odd_Offsets()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        var buffer = new byte[6 * 1024 * 1024 + 200];
        random.NextBytes(buffer);
        for (int i = 0; i < 24; i++)
        {
            // Lengths spread on a log scale up to 6 MiB, so small trees and large ones both come up.
            int length = (int)Math.Min(6.0 * 1024 * 1024, Math.Exp(random.NextDouble() * Math.Log(6.0 * 1024 * 1024)));
            int offset = random.Next(0, 100) | 1;
            string expected = Hex(Portable(buffer, offset, length, 32));
            string what = "seed " + seed + ", length " + length + ", offset " + offset;

            var digest = new byte[32];
            Blake3Hasher.Hash(buffer, offset, length, digest, 0);
            Assert.True(expected == Hex(digest), "defaults, " + what);
            foreach (int lanes in AllLanes)
                foreach (var split in Splits)
                    Assert.True(expected == Hex(Fast(buffer, offset, length, 32, lanes, split)),
                        what + ", lanes " + lanes + ", threads " + split.Threads + ", jobs " + split.MinJob);
        }
    }

    [Fact]
    public void Agrees_With_The_Portable_Hasher_At_Chunk_Batch_And_Job_Boundaries()
    {
        var buffer = new byte[9 * 1024 * 1024 + 64];
        new Random(7).NextBytes(buffer);
        foreach (int edge in new[] { 64, 1024, 2 * 1024, 8 * 1024, 64 * 1024, 128 * 1024, 256 * 1024, 512 * 1024,
                     Blake3Fast.ParallelMinBytes, 4 * 1024 * 1024, 8 * 1024 * 1024 })
            foreach (int delta in new[] { -1025, -1024, -64, -1, 0, 1, 64, 1024, 1025 })
            {
                int length = edge + delta;
                if (length < 0) continue;
                string expected = Hex(Portable(buffer, 3, length, XofLength));
                var output = new byte[XofLength];
                Blake3Fast.Hash(buffer, 3, length, output);
                Assert.True(expected == Hex(output), "defaults, length " + length);
                foreach (int lanes in AllLanes)
                    Assert.True(expected == Hex(Fast(buffer, 3, length, XofLength, lanes, (2, 0, 4096))), "length " + length + ", lanes " + lanes + ", jobs of 4 chunks");
            }
    }

    [Fact]
    public void Keyed_And_Derive_Key_Agree_With_The_Portable_Hasher_On_Megabytes()
    {
        var random = new Random(11);
        var key = new byte[32];
        random.NextBytes(key);
        foreach (int length in new[] { 3 * 1024 * 1024 + 5, 5 * 1024 * 1024 })
        {
            var input = new byte[length + 1];
            random.NextBytes(input);

            var portable = new Blake3Hasher(key, 0);
            portable.Update(input, 1, length);
            var expected = new byte[XofLength];
            portable.Finish(expected, 0, XofLength);
            var ours = new byte[XofLength];
            Blake3Fast.KeyedHash(key, input, 1, length, ours);
            Assert.Equal(Hex(expected), Hex(ours));

            Blake3Hasher.DeriveKey("LibrecastIoT 2026-12-07 Blake3FastTests", input, 1, length, expected, 0, XofLength);
            Blake3Fast.DeriveKey("LibrecastIoT 2026-12-07 Blake3FastTests", input, 1, length, ours);
            Assert.Equal(Hex(expected), Hex(ours));
        }
    }

    [Fact]
    public void Matches_The_Blake3_Package_On_100_MB()
    {
        var input = new byte[100_000_000];
        new Random(3).NextBytes(input);
        var expected = new byte[XofLength];
        Blake3.Hasher.Hash(input, expected);
        foreach (int lanes in new[] { Blake3Fast.Lanes, 1 })
            foreach (int threads in new[] { Blake3Fast.Threads, 1, 4 })
            {
                var ours = new byte[XofLength];
                Blake3Fast.Hash(input, 0, input.Length, ours, lanes, threads);
                Assert.True(Hex(expected) == Hex(ours), "lanes " + lanes + ", threads " + threads);
            }
        var digest = new byte[32];
        Blake3Hasher.Hash(input, 0, input.Length, digest, 0);
        Assert.Equal(Hex(expected.AsSpan(0, 32)), Hex(digest));
    }

    [Fact]
    public void Concurrent_Callers_Each_Get_Their_Own_Digest()
    {
        // One caller has the worker threads at a time; the others hash on their own threads.
        const int Callers = 4;
        var inputs = new byte[Callers][];
        var expected = new string[Callers];
        for (int i = 0; i < Callers; i++)
        {
            inputs[i] = new byte[3 * 1024 * 1024 + i * 4097];
            new Random(100 + i).NextBytes(inputs[i]);
            expected[i] = Hex(Portable(inputs[i], 0, inputs[i].Length, 32));
        }
        var failures = new string?[Callers];
        var threads = new Thread[Callers];
        for (int i = 0; i < Callers; i++)
        {
            int me = i;
            threads[i] = new Thread(() =>
            {
                var digest = new byte[32];
                for (int round = 0; round < 8; round++)
                {
                    Blake3Hasher.Hash(inputs[me], 0, inputs[me].Length, digest, 0);
                    if (Hex(digest) != expected[me]) { failures[me] = "caller " + me + " round " + round + ": " + Hex(digest); return; }
                }
            });
            threads[i].Start();
        }
        foreach (Thread t in threads) Assert.True(t.Join(120_000), "a caller did not finish");
        Assert.All(failures, f => Assert.Null(f));
    }

    [Fact]
    public void One_Thread_Allocates_Nothing()
    {
        var input = OfficialInput(1_000_000);
        var output = new byte[XofLength];
        var digest = new byte[32];
        for (int i = 0; i < 50; i++)
        {
            Blake3Hasher.Hash(input, i, input.Length - 100, digest, 0);
            foreach (int lanes in AllLanes) Blake3Fast.Hash(input, i, input.Length - 100, output, lanes, 1);
        }
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 50; i++)
        {
            Blake3Hasher.Hash(input, i, input.Length - 100 + i, digest, 0);
            Blake3Hasher.Hash(input, i, 30 + i, digest, 0);
            foreach (int lanes in AllLanes) Blake3Fast.Hash(input, i, input.Length - 100, output, lanes, 1);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Split_Across_Threads_Allocates_Nothing_After_The_Workers_Start()
    {
        // The worker threads are made once, on the first large input; after that a call allocates
        // nothing on the calling thread nor on the workers (each counts its own while it hashes).
        var input = OfficialInput(16 * 1024 * 1024);
        var digest = new byte[32];
        for (int i = 0; i < 20; i++) Blake3Hasher.Hash(input, 0, input.Length - i, digest, 0);
        long workersBefore = Blake3Fast.WorkerAllocatedBytes, jobsBefore = Blake3Fast.WorkerJobs;
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 20; i++)
        {
            Blake3Hasher.Hash(input, i, input.Length - 2 * i, digest, 0);
            Blake3Fast.Hash(input, i, input.Length - 2 * i, digest, Blake3Fast.Lanes, 3, 0, 4096);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, Blake3Fast.WorkerAllocatedBytes - workersBefore);
        Assert.True(Blake3Fast.WorkerJobs > jobsBefore, "the workers hashed nothing: no input was split across threads");
    }

    [Fact]
    public void Invalid_Arguments_Throw_Naming_The_Argument()
    {
        var buffer = new byte[10];
        var output = new byte[32];
        Assert.Equal("input", Assert.Throws<ArgumentNullException>(() => Blake3Fast.Hash(null!, 0, 0, output)).ParamName);
        Assert.Equal("offset", Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Fast.Hash(buffer, -1, 0, output)).ParamName);
        Assert.Equal("offset", Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Fast.Hash(buffer, 11, 0, output)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Fast.Hash(buffer, 5, 6, output)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Fast.Hash(buffer, 0, -1, output)).ParamName);
        Assert.Equal("lanes", Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Fast.Hash(buffer, 0, 10, output, 2, 1)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => Blake3Fast.KeyedHash(new byte[31], buffer, 0, 10, output)).ParamName);
        Assert.Equal("context", Assert.Throws<ArgumentNullException>(() => Blake3Fast.DeriveKey(null!, buffer, 0, 10, output)).ParamName);
        // Empty input at the very end, and an empty output, are fine.
        Blake3Fast.Hash(buffer, 10, 0, output);
        Blake3Fast.Hash(buffer, 0, 10, Span<byte>.Empty);
    }
}

/// <summary>Blake3FastTests runs alone: one test counts every thread's allocations.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Blake3FastSerial
{
    public const string Name = "Blake3Fast, alone";
}
