namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The node's view of its network link: Wi-Fi with an address on the device, the interface's
    /// state in the host twin. When it goes down the node closes its socket; when it is back the
    /// node opens a new one and joins its command channel again.
    /// </summary>
    public interface INetworkLink
    {
        /// <summary>True while the link can carry traffic (connected, with an address). Cheap; called every step.</summary>
        bool IsUp();

        /// <summary>
        /// Waits up to <paramref name="timeoutMs"/> for the link to come up (reconnecting if it
        /// must, without leaking anything per attempt). True if it is up.
        /// </summary>
        bool WaitUp(int timeoutMs);

        /// <summary>Words for a log line about the link's state ("Wi-Fi: no IP address").</summary>
        string Describe();
    }
}
