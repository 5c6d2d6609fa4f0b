namespace Librecast
{
    /// <summary>The context's NACK gap-repair counters (ChannelNack.cs, Nack/).</summary>
    public sealed partial class Context
    {
        /// <summary>NACK gap-repair counters of this context's channels (<see cref="Channel.DetectGaps()"/>, <see cref="Channel.HandleNacks(NackOptions)"/>).</summary>
        public NackCounters NackCounters { get; } = new NackCounters();
    }
}
