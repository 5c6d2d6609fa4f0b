using System;
using System.Threading;

namespace Librecast
{
    /// <summary>
    /// Message buffers allocated once, at start: <c>count</c> buffers of <c>size</c> bytes (both
    /// powers of two) carved from one slab. Renting and returning are lock-free and allocate
    /// nothing; an empty pool is reported, never grown.
    /// </summary>
    /// <remarks>
    /// Buffer i is <c>Slab[i * BufferSize .. (i + 1) * BufferSize)</c>. One slab (rather than an
    /// array per buffer) lets a batching transport pin it once and point many iovecs into it.
    /// </remarks>
    public sealed class BufferPool
    {
        private readonly IndexRing free;
        private readonly int shift;

        /// <summary>Allocates <paramref name="count"/> buffers of <paramref name="size"/> bytes.</summary>
        /// <param name="count">Number of buffers, a power of two.</param>
        /// <param name="size">Bytes per buffer, a power of two, 64 to 65536.</param>
        /// <param name="slab">The memory, count × size bytes (null: allocated here). The .NET platform passes a pinned array.</param>
        /// <exception cref="ArgumentOutOfRangeException">A size or count that is not a power of two, or out of range.</exception>
        public BufferPool(int count, int size, byte[]? slab)
        {
            if (size < 64 || size > 65536 || (size & (size - 1)) != 0)
                throw new ArgumentOutOfRangeException("size", "buffer size must be a power of two from 64 to 65536");
            if (count < 2 || (count & (count - 1)) != 0 || (long)count * size > 1L << 30)
                throw new ArgumentOutOfRangeException("count", "buffer count must be a power of two, at least 2, at most 1 GiB in all");
            if (slab == null) slab = new byte[count * size];
            else if (slab.Length < count * size) throw new ArgumentOutOfRangeException("slab", "slab smaller than count × size");
            Slab = slab;
            BufferSize = size;
            Count = count;
            int s = 0;
            while ((1 << s) < size) s++;
            shift = s;
            free = new IndexRing(count);
            for (int i = 0; i < count; i++) free.TryEnqueue(i);
        }

        /// <summary>The memory every buffer lives in.</summary>
        public readonly byte[] Slab;

        /// <summary>Bytes per buffer.</summary>
        public readonly int BufferSize;

        /// <summary>Number of buffers.</summary>
        public readonly int Count;

        /// <summary>Buffers currently free (approximate while others rent and return).</summary>
        public int Available { get { return free.Count; } }

        /// <summary>Offset of buffer <paramref name="index"/> in <see cref="Slab"/>.</summary>
        public int OffsetOf(int index) { return index << shift; }

        /// <summary>Takes a free buffer; false if all are in use.</summary>
        public bool TryRent(out int index) { return free.TryDequeue(out index); }

        /// <summary>Gives buffer <paramref name="index"/> back.</summary>
        /// <exception cref="InvalidOperationException">More returns than rents: a bug in the caller.</exception>
        public void Return(int index)
        {
            while (!free.TryEnqueue(index)) NotFull(index);
        }

        /// <summary>Gives back the <paramref name="count"/> buffers listed in <paramref name="indices"/>.</summary>
        /// <exception cref="InvalidOperationException">More returns than rents: a bug in the caller.</exception>
        public void ReturnMany(int[] indices, int count)
        {
            int done = 0;
            while (done < count)
            {
                int k = free.TryEnqueueMany(indices, done, count - done);
                if (k == 0) NotFull(indices[done]);
                done += k;
            }
        }

        // The free list refused a buffer. It has a cell for every buffer, so either a renter has
        // claimed the cell needed and not yet freed it (an instant: try again), or more buffers
        // came back than went out.
        private void NotFull(int index)
        {
            if (free.Count >= Count) throw new InvalidOperationException("buffer " + index + " returned to a pool that is already full");
            Thread.Sleep(0);
        }
    }
}
