using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using System.Threading;

namespace Librecast
{
    /// <summary>
    /// BLAKE3 for .NET, fast: several 1 KiB chunks compressed at once in SIMD lanes (8 with AVX2, 4
    /// with Vector128, the "hash_many" design of the BLAKE3 paper), the tree of chaining values built
    /// from them, and a large input split across cores. The same digests as the portable
    /// <see cref="Blake3Hasher"/> (which the nanoFramework builds use, and which stays the reference);
    /// <see cref="Blake3Hasher.Hash"/> comes here on .NET, so callers do not choose.
    /// </summary>
    /// <remarks>
    /// BLAKE3's tree is fixed by the input: chunks are the leaves, and every parent's left subtree
    /// holds the largest power of two of chunks that leaves something for the right. So a run of
    /// 2^k whole chunks starting at a multiple of 2^k is a complete subtree whose chaining value does
    /// not depend on anything around it (the spec, section 5.1 and 5.3): the input is cut into such
    /// jobs, each hashed on its own (by a worker thread, or the caller), and their chaining values are
    /// merged the way the incremental hasher merges chunks. Inside a job, batches of 128 chunks are
    /// hashed 8 (or 4) at a time into a 4 KiB buffer of chaining values, which is then halved level
    /// by level, the parents also 8 at a time. Only the root node, which needs the ROOT flag, is
    /// compressed last, from the caller. No allocation per call: buffers are on the stack, and the
    /// worker threads and their 32 KiB of results are made once, on the first input large enough.
    /// </remarks>
    public static class Blake3Fast
    {
        /// <summary>Length in bytes of the default BLAKE3 digest.</summary>
        public const int OutLength = 32;

        /// <summary>Length in bytes of a BLAKE3 key (keyed hash mode).</summary>
        public const int KeyLength = 32;

        private const int ChunkLength = 1024;
        private const int BatchChunks = 128;
        private const int BatchBytes = BatchChunks * ChunkLength;

        // 2^64 bytes is 2^47 batches, so a stack of pending subtrees never holds more than 48 (+1 pushed).
        private const int StackDepth = 64;

        // Inputs below this are hashed on the calling thread: waking a worker costs tens of
        // microseconds, and 2 MiB take about a millisecond on one core.
        internal const int ParallelMinBytes = 2 * 1024 * 1024;

        // Jobs are at least this big (a power of two of chunks) and at most MaxJobs many.
        internal const int MinJobBytes = 512 * 1024;
        private const int MaxJobs = 1024;

        private static readonly uint[] IV =
        {
            Blake3Kernels.IV0, Blake3Kernels.IV1, Blake3Kernels.IV2, Blake3Kernels.IV3,
            Blake3Kernels.IV4, Blake3Kernels.IV5, Blake3Kernels.IV6, Blake3Kernels.IV7,
        };

        private static Pool? pool;
        private static readonly object PoolLock = new object();

        /// <summary>
        /// The widest SIMD kernel this machine runs: 8 (AVX2: eight chunks a step), 4 (Vector128 in
        /// hardware) or 1 (plain integer code). What the overloads without <c>lanes</c> use.
        /// </summary>
        public static int Lanes => BitConverter.IsLittleEndian ? Blake3Kernels.BestLanes : 1;

        /// <summary>How many threads the overloads without <c>threads</c> use for a large input: one per processor.</summary>
        public static int Threads => Environment.ProcessorCount;

        /// <summary>
        /// The BLAKE3 hash of input[offset, +count) into output (32 bytes for the standard digest; any
        /// other length is BLAKE3's extended output), using every SIMD lane and core there is.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range lies outside <paramref name="input"/>.</exception>
        public static void Hash(byte[] input, int offset, int count, Span<byte> output)
        {
            Hash(input, offset, count, output, Lanes, Threads);
        }

        /// <summary>
        /// <see cref="Hash(byte[], int, int, Span{byte})"/> with the kernel and thread count chosen, for
        /// tests and benchmarks: lanes 8 (AVX2; 4 where the machine has no AVX2), 4 (Vector128) or 1
        /// (scalar); threads 1 keeps it on the calling thread.
        /// </summary>
        public static void Hash(byte[] input, int offset, int count, Span<byte> output, int lanes, int threads)
        {
            Hash(input, offset, count, output, lanes, threads, ParallelMinBytes, MinJobBytes);
        }

        // Tests split inputs far smaller than the defaults allow, to prove the split at every official length.
        internal static void Hash(byte[] input, int offset, int count, Span<byte> output, int lanes, int threads, int parallelMinBytes, int minJobBytes)
        {
            CheckRange(input, offset, count);
            Root(input, offset, count, IV, 0, CheckLanes(lanes), threads, parallelMinBytes, minJobBytes, output);
        }

        /// <summary>The BLAKE3 hash of input into output, on the calling thread (a span cannot be handed to workers).</summary>
        public static void Hash(ReadOnlySpan<byte> input, Span<byte> output)
        {
            RootOf(input, IV, 0, Lanes, output);
        }

        /// <summary>BLAKE3's keyed hash (<c>blake3_hasher_init_keyed</c>) of input[offset, +count) with the 32-byte key into output.</summary>
        /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
        public static void KeyedHash(ReadOnlySpan<byte> key, byte[] input, int offset, int count, Span<byte> output)
        {
            KeyedHash(key, input, offset, count, output, Lanes, Threads);
        }

        /// <summary><see cref="KeyedHash(ReadOnlySpan{byte}, byte[], int, int, Span{byte})"/> with the kernel and thread count chosen.</summary>
        public static void KeyedHash(ReadOnlySpan<byte> key, byte[] input, int offset, int count, Span<byte> output, int lanes, int threads)
        {
            KeyedHash(key, input, offset, count, output, lanes, threads, ParallelMinBytes, MinJobBytes);
        }

        internal static void KeyedHash(ReadOnlySpan<byte> key, byte[] input, int offset, int count, Span<byte> output, int lanes, int threads,
            int parallelMinBytes, int minJobBytes)
        {
            if (key.Length != KeyLength) throw new ArgumentException("a BLAKE3 key is 32 bytes", nameof(key));
            CheckRange(input, offset, count);
            Span<uint> words = stackalloc uint[8];
            for (int i = 0; i < 8; i++) words[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i));
            Root(input, offset, count, words, Blake3Kernels.KeyedHash, CheckLanes(lanes), threads, parallelMinBytes, minJobBytes, output);
            words.Clear();
        }

        /// <summary>
        /// BLAKE3's <c>derive_key(context, key_material)</c>: output (any length) derived from
        /// material[offset, +count) for the context string (UTF-8), which must be hard-coded and
        /// unique to the application and purpose.
        /// </summary>
        public static void DeriveKey(string context, byte[] material, int offset, int count, Span<byte> output)
        {
            DeriveKey(context, material, offset, count, output, Lanes, Threads);
        }

        /// <summary><see cref="DeriveKey(string, byte[], int, int, Span{byte})"/> with the kernel and thread count chosen.</summary>
        public static void DeriveKey(string context, byte[] material, int offset, int count, Span<byte> output, int lanes, int threads)
        {
            DeriveKey(context, material, offset, count, output, lanes, threads, ParallelMinBytes, MinJobBytes);
        }

        internal static void DeriveKey(string context, byte[] material, int offset, int count, Span<byte> output, int lanes, int threads,
            int parallelMinBytes, int minJobBytes)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            CheckRange(material, offset, count);
            lanes = CheckLanes(lanes);
            int contextLength = Encoding.UTF8.GetByteCount(context);
            Span<byte> contextBytes = contextLength <= 256 ? stackalloc byte[256] : new byte[contextLength];
            contextBytes = contextBytes.Slice(0, Encoding.UTF8.GetBytes(context, contextBytes));
            Span<byte> contextKey = stackalloc byte[OutLength];
            RootOf(contextBytes, IV, Blake3Kernels.DeriveKeyContext, lanes, contextKey);
            Span<uint> words = stackalloc uint[8];
            for (int i = 0; i < 8; i++) words[i] = BinaryPrimitives.ReadUInt32LittleEndian(contextKey.Slice(4 * i));
            contextKey.Clear();
            Root(material, offset, count, words, Blake3Kernels.DeriveKeyMaterial, lanes, threads, parallelMinBytes, minJobBytes, output);
            words.Clear();
        }

        private static int CheckLanes(int lanes)
        {
            if (lanes != 1 && lanes != 4 && lanes != 8) throw new ArgumentOutOfRangeException(nameof(lanes), "8, 4 or 1");
            // Big-endian machines would need the vector loads byte-swapped: the scalar code is right everywhere.
            return BitConverter.IsLittleEndian ? lanes : 1;
        }

        private static void CheckRange(byte[] input, int offset, int count)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            if (offset < 0 || offset > input.Length) throw new ArgumentOutOfRangeException(nameof(offset), "must lie within input");
            if (count < 0 || count > input.Length - offset) throw new ArgumentOutOfRangeException(nameof(count), "must not run past the end of input");
        }

        // The whole input: across threads when it is large, an array and threads > 1 allow it.
        private static void Root(byte[] array, int offset, int count, ReadOnlySpan<uint> key, uint flags, int lanes, int threads,
            int parallelMinBytes, int minJobBytes, Span<byte> output)
        {
            // A job must be a complete subtree: a power of two of chunks.
            if (minJobBytes < ChunkLength || !BitOperations.IsPow2(minJobBytes))
                throw new ArgumentOutOfRangeException(nameof(minJobBytes), "a power of two of 1 KiB chunks");
            if (threads > 1 && count >= parallelMinBytes)
            {
                Pool p = GetPool();
                if (Interlocked.CompareExchange(ref p.Busy, 1, 0) == 0)
                {
                    try
                    {
                        Span<byte> rootBlock = stackalloc byte[64];
                        if (p.TryRootBlock(array, offset, count, key, flags, lanes, threads, minJobBytes, rootBlock))
                        {
                            Output(key, rootBlock, 64, flags | Blake3Kernels.Parent, output);
                            return;
                        }
                    }
                    finally
                    {
                        Volatile.Write(ref p.Busy, 0);
                    }
                }
                // Another caller has the workers: this one hashes on its own thread.
            }
            RootOf(new ReadOnlySpan<byte>(array, offset, count), key, flags, lanes, output);
        }

        // The whole input on the calling thread.
        private static void RootOf(ReadOnlySpan<byte> input, ReadOnlySpan<uint> key, uint flags, int lanes, Span<byte> output)
        {
            Span<byte> rootBlock = stackalloc byte[64];
            if (input.Length > ChunkLength)
            {
                // More than one chunk: the root is the parent of the two top subtrees.
                Subtree(input, 0, key, flags, lanes, rootBlock, 2);
                Output(key, rootBlock, 64, flags | Blake3Kernels.Parent, output);
                return;
            }
            // One chunk (or none): it is the root. Its blocks but the last chain as usual; the last,
            // partial or even empty, is the root node.
            Span<uint> cv = stackalloc uint[8];
            key.Slice(0, 8).CopyTo(cv);
            int blocks = input.Length == 0 ? 1 : (input.Length + 63) / 64;
            for (int b = 0; b < blocks - 1; b++)
                Blake3Kernels.Compress(cv, input.Slice(b * 64, 64), 0, 64, flags | (b == 0 ? Blake3Kernels.ChunkStart : 0), cv);
            int last = input.Length - (blocks - 1) * 64;
            rootBlock.Clear();
            input.Slice((blocks - 1) * 64, last).CopyTo(rootBlock);
            uint rootFlags = flags | Blake3Kernels.ChunkEnd | (blocks == 1 ? Blake3Kernels.ChunkStart : 0);
            Output(cv, rootBlock, (uint)last, rootFlags, output);
        }

        // BLAKE3's output: the root node compressed with ROOT and the output block's number as
        // counter, 64 bytes a block, as many blocks as output needs.
        private static void Output(ReadOnlySpan<uint> cv, ReadOnlySpan<byte> block, uint blockLen, uint flags, Span<byte> output)
        {
            Span<uint> words = stackalloc uint[16];
            ulong n = 0;
            for (int done = 0; done < output.Length; done += 64, n++)
            {
                Blake3Kernels.Compress(cv, block, n, blockLen, flags | Blake3Kernels.Root, words);
                int take = Math.Min(64, output.Length - done);
                for (int i = 0; i < take; i++)
                    output[done + i] = (byte)(words[i >> 2] >> ((i & 3) * 8));
            }
        }

        /// <summary>
        /// The subtree over input (at least one byte; its first chunk is number counter), reduced to
        /// keep chaining values written to output: 1, its own (never the root's); or 2, its two top
        /// subtrees, the root's block, when input is more than one chunk.
        /// </summary>
        private static void Subtree(ReadOnlySpan<byte> input, ulong counter, ReadOnlySpan<uint> key, uint flags, int lanes, Span<byte> output, int keep)
        {
            Span<byte> cvs = stackalloc byte[BatchChunks * 32];
            if (input.Length <= BatchBytes)
            {
                int n = Leaves(input, counter, key, flags, lanes, cvs);
                Reduce(cvs, n, keep, key, flags, lanes);
                cvs.Slice(0, keep * 32).CopyTo(output);
                return;
            }
            // Batch by batch, each a complete subtree but perhaps the last, merged as they come.
            Span<byte> stack = stackalloc byte[StackDepth * 32];
            int depth = 0;
            int batches = (input.Length - 1) / BatchBytes + 1;
            for (int b = 0; b < batches; b++)
            {
                int start = b * BatchBytes;
                int n = Leaves(input.Slice(start, Math.Min(BatchBytes, input.Length - start)), counter + (ulong)b * BatchChunks, key, flags, lanes, cvs);
                Reduce(cvs, n, 1, key, flags, lanes);
                depth = Push(stack, depth, cvs.Slice(0, 32), (ulong)b, key, flags);
            }
            depth = Fold(stack, depth, keep, key, flags);
            stack.Slice(0, keep * 32).CopyTo(output);
        }

        // The chaining values of input's chunks (at most a batch; the last may be partial) into cvs; returns how many.
        private static int Leaves(ReadOnlySpan<byte> input, ulong counter, ReadOnlySpan<uint> key, uint flags, int lanes, Span<byte> cvs)
        {
            int whole = input.Length / ChunkLength;
            int rest = input.Length - whole * ChunkLength;
            Blake3Kernels.Many(input, whole, ChunkLength, ChunkLength / 64, key, counter, true, flags,
                Blake3Kernels.ChunkStart, Blake3Kernels.ChunkEnd, cvs, lanes);
            if (rest == 0) return whole;
            // The partial last chunk: its last block is zero-padded and says how long it is.
            ReadOnlySpan<byte> tail = input.Slice(whole * ChunkLength);
            Span<uint> cv = stackalloc uint[8];
            Span<byte> block = stackalloc byte[64];
            key.Slice(0, 8).CopyTo(cv);
            int blocks = (rest + 63) / 64;
            for (int b = 0; b < blocks; b++)
            {
                uint f = flags;
                if (b == 0) f |= Blake3Kernels.ChunkStart;
                if (b == blocks - 1) f |= Blake3Kernels.ChunkEnd;
                int take = Math.Min(64, rest - b * 64);
                if (take == 64)
                {
                    Blake3Kernels.Compress(cv, tail.Slice(b * 64, 64), counter + (ulong)whole, 64, f, cv);
                }
                else
                {
                    block.Clear();
                    tail.Slice(b * 64, take).CopyTo(block);
                    Blake3Kernels.Compress(cv, block, counter + (ulong)whole, (uint)take, f, cv);
                }
            }
            Span<byte> to = cvs.Slice(whole * 32, 32);
            for (int w = 0; w < 8; w++)
                BinaryPrimitives.WriteUInt32LittleEndian(to.Slice(4 * w), cv[w]);
            return whole + 1;
        }

        // Halves the n chaining values in cvs level by level, in place, until keep are left: each
        // pair becomes its parent, an odd last one goes up a level as it is (the tree is left-complete).
        private static void Reduce(Span<byte> cvs, int n, int keep, ReadOnlySpan<uint> key, uint flags, int lanes)
        {
            while (n > keep)
            {
                int pairs = n / 2;
                Blake3Kernels.Many(cvs, pairs, 64, 1, key, 0, false, flags | Blake3Kernels.Parent, 0, 0, cvs, lanes);
                if ((n & 1) != 0)
                    cvs.Slice((n - 1) * 32, 32).CopyTo(cvs.Slice(pairs * 32));
                n = pairs + (n & 1);
            }
        }

        // Pushes the chaining value of the subtree at position (in subtrees of its size) on the stack
        // of pending subtrees, first merging those that position shows complete: as many stay as
        // position has one bits (BLAKE3's incremental hasher, subtree by subtree).
        private static int Push(Span<byte> stack, int depth, ReadOnlySpan<byte> cv, ulong position, ReadOnlySpan<uint> key, uint flags)
        {
            int keep = BitOperations.PopCount(position);
            while (depth > keep)
                depth = MergeTop(stack, depth, key, flags);
            cv.CopyTo(stack.Slice(depth * 32, 32));
            return depth + 1;
        }

        // Merges the newest subtrees until keep are left (the last input is in: they all belong together).
        private static int Fold(Span<byte> stack, int depth, int keep, ReadOnlySpan<uint> key, uint flags)
        {
            while (depth > keep)
                depth = MergeTop(stack, depth, key, flags);
            return depth;
        }

        private static int MergeTop(Span<byte> stack, int depth, ReadOnlySpan<uint> key, uint flags)
        {
            Span<byte> pair = stack.Slice((depth - 2) * 32, 64);
            Span<uint> parent = stackalloc uint[8];
            Blake3Kernels.Compress(key, pair, 0, 64, flags | Blake3Kernels.Parent, parent);
            for (int w = 0; w < 8; w++)
                BinaryPrimitives.WriteUInt32LittleEndian(pair.Slice(4 * w), parent[w]);
            return depth - 1;
        }

        /// <summary>Bytes the worker threads have allocated while hashing, since the process started (tests: 0).</summary>
        internal static long WorkerAllocatedBytes => Interlocked.Read(ref Pool.WorkerAllocatedBytes);

        /// <summary>Jobs the worker threads (not the callers) have done, since the process started.</summary>
        internal static long WorkerJobs => Interlocked.Read(ref Pool.WorkerJobs);

        private static Pool GetPool()
        {
            Pool? p = Volatile.Read(ref pool);
            if (p != null) return p;
            lock (PoolLock)
            {
                if (pool == null)
                    Volatile.Write(ref pool, new Pool(Math.Clamp(Environment.ProcessorCount - 1, 1, 63)));
                return pool!;
            }
        }

        // Worker threads, made once and parked on a semaphore between inputs. One input at a time
        // (Busy); the caller works on the jobs too and waits for every worker it woke.
        private sealed class Pool
        {
            internal int Busy;

            // Bytes the worker threads allocated while hashing, all runs together (tests prove it stays
            // 0), and the jobs they did (that they did any).
            internal static long WorkerAllocatedBytes;
            internal static long WorkerJobs;
            private readonly int workers;
            private readonly SemaphoreSlim start = new SemaphoreSlim(0);
            private readonly ManualResetEventSlim done = new ManualResetEventSlim(false);
            private readonly byte[] results = new byte[MaxJobs * 32];
            private readonly uint[] key = new uint[8];
            private byte[] input = Array.Empty<byte>();
            private int offset, count, jobBytes, jobs, lanes, nextJob, running;
            private uint flags;
            private Exception? failure;

            internal Pool(int workers)
            {
                this.workers = workers;
                for (int i = 0; i < workers; i++)
                {
                    var t = new Thread(Loop) { IsBackground = true, Name = "blake3-" + i };
                    t.Start();
                }
            }

            // The root node's block (the top two subtrees) of input[offset, +count), jobs spread over
            // up to threads threads; false when the input is too small to split.
            internal bool TryRootBlock(byte[] array, int offset, int count, ReadOnlySpan<uint> key, uint flags, int lanes, int threads,
                int minJobBytes, Span<byte> rootBlock)
            {
                // Jobs of 2^k chunks: some 8 per thread (so a slow core does not hold the rest up),
                // at most MaxJobs; the last job has what is left.
                int size = minJobBytes;
                while (size < int.MaxValue / 2 && ((long)size * threads * 8 < count || (count - 1) / size + 1 > MaxJobs))
                    size *= 2;
                int n = (count - 1) / size + 1;
                if (n < 2) return false;

                input = array;
                this.offset = offset;
                this.count = count;
                jobBytes = size;
                jobs = n;
                this.lanes = lanes;
                this.flags = flags;
                key.Slice(0, 8).CopyTo(this.key);
                nextJob = 0;
                failure = null;
                int helpers = Math.Min(workers, Math.Min(threads - 1, n - 1));
                running = helpers;
                done.Reset();
                if (helpers > 0) start.Release(helpers);
                try
                {
                    Work();
                }
                finally
                {
                    if (helpers > 0) done.Wait();
                    input = Array.Empty<byte>();
                    Array.Clear(this.key);
                }
                if (failure != null) throw new InvalidOperationException("BLAKE3 worker failed", failure);

                Span<byte> stack = stackalloc byte[StackDepth * 32];
                int depth = 0;
                for (int j = 0; j < n; j++)
                    depth = Push(stack, depth, results.AsSpan(j * 32, 32), (ulong)j, key, flags);
                Fold(stack, depth, 2, key, flags);
                stack.Slice(0, 64).CopyTo(rootBlock);
                return true;
            }

            private void Loop()
            {
                while (true)
                {
                    start.Wait();
                    try
                    {
                        long before = GC.GetAllocatedBytesForCurrentThread();
                        int did = Work();
                        Interlocked.Add(ref WorkerAllocatedBytes, GC.GetAllocatedBytesForCurrentThread() - before);
                        Interlocked.Add(ref WorkerJobs, did);
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }
                    if (Interlocked.Decrement(ref running) == 0) done.Set();
                }
            }

            // Takes jobs until none is left: each a complete subtree's chaining value into results.
            // Returns how many it took.
            private int Work()
            {
                int did = 0;
                ReadOnlySpan<uint> k = key;
                ulong jobChunks = (ulong)(jobBytes / ChunkLength);
                while (true)
                {
                    int j = Interlocked.Increment(ref nextJob) - 1;
                    if (j >= jobs) return did;
                    did++;
                    int start = j * jobBytes;
                    int length = Math.Min(jobBytes, count - start);
                    Subtree(new ReadOnlySpan<byte>(input, offset + start, length), (ulong)j * jobChunks, k, flags, lanes, results.AsSpan(j * 32, 32), 1);
                }
            }
        }
    }
}
