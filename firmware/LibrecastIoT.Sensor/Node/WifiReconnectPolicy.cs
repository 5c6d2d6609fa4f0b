namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// When the device's link may call <c>WifiAdapter.Connect</c>: one reconnect path, the native
    /// layer's. nanoFramework's ESP32 Wi-Fi reconnects by itself after a disconnect when the stored
    /// configuration has AutoConnect (what <c>tools/flash</c> stores) or after a connect with
    /// <c>WifiReconnectionKind.Automatic</c>; its <c>Connect</c> runs esp_wifi_disconnect() first
    /// and blocks up to 20 s, so calling it while the native layer reconnects only breaks that
    /// attempt and stalls the node.
    /// </summary>
    /// <remarks>
    /// Hence: never while the station has an address (the link is up, whatever the clock says);
    /// never when AutoConnect is stored; otherwise once per boot, after
    /// <see cref="ConnectAfterMs"/> without an address (Automatic, so the native layer takes over
    /// from then on). Platform-free, so the host tests drive it with a controlled clock.
    /// </remarks>
    public sealed class WifiReconnectPolicy
    {
        /// <summary>Time without an address before the one connect of a station without AutoConnect.</summary>
        public const int ConnectAfterMs = 60000;

        private long downSinceMs = -1;

        /// <summary>Connects asked for so far (at most one per boot).</summary>
        public int Connects { get; private set; }

        /// <summary>
        /// Called at each look at the station: true if the caller should call <c>Connect</c> now.
        /// </summary>
        /// <param name="hasAddress">The station has an IP address (the link is up).</param>
        /// <param name="autoConnectStored">The stored configuration has AutoConnect (the native layer reconnects).</param>
        /// <param name="nowMs">The monotonic clock.</param>
        public bool ShouldConnect(bool hasAddress, bool autoConnectStored, long nowMs)
        {
            if (hasAddress)
            {
                downSinceMs = -1;
                return false;
            }
            if (downSinceMs < 0)
            {
                downSinceMs = nowMs;
                return false;
            }
            if (autoConnectStored || Connects > 0 || nowMs - downSinceMs < ConnectAfterMs) return false;
            Connects++;
            return true;
        }
    }
}
