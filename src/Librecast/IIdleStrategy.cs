using System.Threading;

namespace Librecast
{
    /// <summary>How an agent waits when it found no work: spin on a Pi, sleep on an ESP32.</summary>
    public interface IIdleStrategy
    {
        /// <summary>Called after each unit of work with how much was done; waits if nothing was.</summary>
        void Idle(int workCount);

        /// <summary>Forget the current back-off (work arrived).</summary>
        void Reset();
    }

    /// <summary>Spins, then yields, then sleeps 1 ms: low latency under load, little CPU when idle.</summary>
    public sealed class BackoffIdleStrategy : IIdleStrategy
    {
        private readonly int spins;
        private readonly int yields;
        private int idleCount;

        /// <summary>Spins <paramref name="spins"/> times, yields <paramref name="yields"/> times, then sleeps.</summary>
        public BackoffIdleStrategy(int spins, int yields)
        {
            this.spins = spins;
            this.yields = yields;
        }

        /// <inheritdoc/>
        public void Idle(int workCount)
        {
            if (workCount > 0)
            {
                idleCount = 0;
                return;
            }
            idleCount++;
            if (idleCount <= spins) return;
            if (idleCount <= spins + yields) Thread.Sleep(0);
            else Thread.Sleep(1);
        }

        /// <inheritdoc/>
        public void Reset() { idleCount = 0; }
    }

    /// <summary>
    /// Yields the thread (<c>Thread.Sleep(0)</c>) whenever there was no work, and keeps no count:
    /// safe to share between threads, as producers blocked under
    /// <see cref="OverflowPolicy.Block"/> share <see cref="PublisherOptions.BlockIdle"/>.
    /// </summary>
    public sealed class YieldingIdleStrategy : IIdleStrategy
    {
        /// <inheritdoc/>
        public void Idle(int workCount) { if (workCount == 0) Thread.Sleep(0); }

        /// <inheritdoc/>
        public void Reset() { }
    }

    /// <summary>Always sleeps <c>milliseconds</c> when idle: for microcontrollers and battery power.</summary>
    public sealed class SleepingIdleStrategy : IIdleStrategy
    {
        private readonly int milliseconds;

        /// <summary>Sleeps <paramref name="milliseconds"/> whenever there was no work.</summary>
        public SleepingIdleStrategy(int milliseconds) { this.milliseconds = milliseconds; }

        /// <inheritdoc/>
        public void Idle(int workCount) { if (workCount == 0) Thread.Sleep(milliseconds); }

        /// <inheritdoc/>
        public void Reset() { }
    }
}
