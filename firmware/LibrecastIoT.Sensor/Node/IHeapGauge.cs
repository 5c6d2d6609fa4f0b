namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The managed heap's free bytes, for the node's log (each "network back" line): a leak per
    /// Wi-Fi drop shows as a figure that falls from one re-join to the next. On the device,
    /// nanoFramework.Runtime.Native's <c>GC.Run(false)</c> (a collection, then the free bytes).
    /// </summary>
    public interface IHeapGauge
    {
        /// <summary>Free bytes of the managed heap after a garbage collection.</summary>
        long FreeBytesAfterCollection();
    }
}
