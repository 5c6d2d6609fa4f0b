using System;
using System.Threading;
using Librecast.Fec;

namespace Librecast.Sockets
{
    /// <summary>
    /// Prepares an <see cref="ObjectEncoder"/>'s blocks on several threads (dotnet only: the core's
    /// <see cref="ObjectEncoder.PrepareBlock(int)"/> stays single-threaded for nanoCLR).
    /// </summary>
    /// <remarks>
    /// Blocks with a plan (every block of a large object but the one or two of a K' of their own)
    /// are replays that share nothing but the read-only plan: each thread has its own scratch and
    /// takes the next block in order. Blocks without a plan go through the encoder's one solver,
    /// one at a time (a lock). The bytes are the same as preparing on one thread.
    /// </remarks>
    public static class ParallelEncoding
    {
        /// <summary>Threads worth using on this machine: the processors, at most 4.</summary>
        public static int DefaultThreads { get { return Math.Clamp(Environment.ProcessorCount, 1, 4); } }

        /// <summary>
        /// Prepares every block of <paramref name="encoder"/> not yet prepared, on
        /// <paramref name="threads"/> threads (this one included); returns when all are.
        /// <paramref name="prepared"/>, if given, is called (from any of them, one call at a time)
        /// with n whenever blocks 0..n-1 have all become prepared, n rising: a sender may then send
        /// their repair symbols. An exception in one thread stops the others and is rethrown here.
        /// </summary>
        public static void PrepareAll(ObjectEncoder encoder, int threads, Action<int>? prepared = null)
        {
            ArgumentNullException.ThrowIfNull(encoder);
            int z = encoder.Oti.Z;
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads));
            var done = new bool[z];
            var gate = new object();
            var solverGate = new object();
            int next = -1, prefix = 0;
            Exception? error = null;
            void Work()
            {
                var scratch = new byte[encoder.PrepareScratchBytes];
                try
                {
                    while (Volatile.Read(ref error) == null)
                    {
                        int sbn = Interlocked.Increment(ref next);
                        if (sbn >= z) return;
                        if (encoder.Plan(sbn) != null) encoder.PrepareBlock(sbn, scratch);
                        else lock (solverGate) encoder.PrepareBlock(sbn, scratch);
                        lock (gate)
                        {
                            done[sbn] = true;
                            int p = prefix;
                            while (p < z && done[p]) p++;
                            if (p > prefix)
                            {
                                prefix = p;
                                prepared?.Invoke(p);
                            }
                        }
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref error, e, null);
                }
            }
            int extra = Math.Min(threads, z) - 1;
            var workers = new Thread[Math.Max(extra, 0)];
            for (int i = 0; i < workers.Length; i++)
            {
                workers[i] = new Thread(Work) { IsBackground = true, Name = "RaptorQ prepare " + (i + 1) };
                workers[i].Start();
            }
            Work();
            foreach (var w in workers) w.Join();
            if (error != null) throw new InvalidOperationException("RaptorQ: preparing a block failed: " + error.Message, error);
        }
    }
}
