namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The managed heap's free bytes from nanoFramework.Runtime.Native: <c>GC.Run(false)</c>
    /// collects, then returns what is free (nf-interpreter
    /// <c>nf_rt_native_nanoFramework_Runtime_Native_GC.cpp</c>). Without compaction: the simulated
    /// board's nanoCLR crashes on <c>GC.Run(true)</c>, and the figure is the same for a leak check.
    /// </summary>
    public sealed class NativeHeap : IHeapGauge
    {
        /// <inheritdoc/>
        public long FreeBytesAfterCollection()
        {
            return nanoFramework.Runtime.Native.GC.Run(false);
        }
    }
}
