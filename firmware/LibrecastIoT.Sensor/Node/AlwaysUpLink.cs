namespace LibrecastIoT.Sensor
{
    /// <summary>A link that is always up: tests, and platforms whose network never drops.</summary>
    public sealed class AlwaysUpLink : INetworkLink
    {
        /// <inheritdoc/>
        public bool IsUp() { return true; }

        /// <inheritdoc/>
        public bool WaitUp(int timeoutMs) { return true; }

        /// <inheritdoc/>
        public string Describe() { return "up"; }
    }
}
