using System;
using System.Device.Wifi;
using System.Net.NetworkInformation;
using System.Threading;
using Librecast;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The node's link on the device: the ESP32's Wi-Fi station, with the credentials that
    /// <c>tools/flash</c> stored through nanoff (option AutoConnect: the firmware joins at boot and
    /// after a drop by itself). Up means: the station has an IPv4 address. The clock is not waited
    /// for: a site without Internet NTP is the normal case, and the node publishes without it
    /// (<see cref="NodeClock"/>).
    /// </summary>
    /// <remarks>
    /// <para>Built so that retrying leaks nothing. <c>WifiNetworkHelper.Reconnect</c> is not used:
    /// each call runs <c>WifiAdapter.FindAllAdapters()</c>, which creates a new <c>WifiAdapter</c>
    /// that registers itself in a static event list and is never disposed (System.Device.Wifi,
    /// WifiNetworkHelper.cs and WifiAdapter.cs), so a node retrying every minute grows the heap
    /// until it dies. Here one adapter is looked up once, the first time a connect is needed, and
    /// kept; no CancellationTokenSource is made per attempt; state changes come from two static
    /// events registered once (<c>NetworkChange.NetworkAddressChanged</c>,
    /// <c>NetworkAvailabilityChanged</c>), and between them the address is looked at every few
    /// seconds (<c>NetworkInterface.GetAllNetworkInterfaces</c>: a few hundred bytes of garbage,
    /// nothing kept).</para>
    /// <para>One reconnect path, the native layer's (<see cref="WifiReconnectPolicy"/>): with
    /// AutoConnect stored (tools/flash) <c>WifiAdapter.Connect</c> is never called, since the
    /// firmware reconnects by itself and Connect would disconnect it first and block up to 20 s;
    /// without it, once per boot after a minute without an address (reconnection kind Automatic,
    /// so the native layer takes over from then on), on that one adapter. Never while the station
    /// has an address.</para>
    /// </remarks>
    public sealed class WifiLink : INetworkLink
    {
        /// <summary>Longest time the cached state is trusted without an event.</summary>
        public const int RecheckMs = 5000;

        private readonly INodeLog log;
        private readonly IPlatform clock;
        private WifiAdapter? adapter;
        private int changed = 1;
        private bool up;
        private long checkedAtMs = -RecheckMs;
        private readonly WifiReconnectPolicy policy = new WifiReconnectPolicy();
        private int autoConnect = -1; // -1 not read yet, 0 no, 1 AutoConnect stored
        private string state = "not checked yet";

        /// <summary>The Wi-Fi link, timed on <paramref name="clock"/>'s monotonic clock. Make one per boot: it registers two static event handlers.</summary>
        public WifiLink(INodeLog log, IPlatform clock)
        {
            this.clock = clock;
            this.log = log;
            NetworkChange.NetworkAddressChanged += OnAddressChanged;
            NetworkChange.NetworkAvailabilityChanged += OnAvailabilityChanged;
        }

        /// <summary>Times the stored credentials were used to connect (at most once per boot, never with AutoConnect stored).</summary>
        public int ConnectAttempts { get { return policy.Connects; } }

        /// <inheritdoc/>
        public bool IsUp()
        {
            long now = clock.MonotonicMilliseconds();
            if (Interlocked.Exchange(ref changed, 0) != 0 || now - checkedAtMs >= RecheckMs)
            {
                checkedAtMs = now;
                bool was = up;
                up = Check();
                if (up && !was) SntpServers.Reapply(); // the firmware restarts SNTP with its defaults on each new address
            }
            return up;
        }

        /// <inheritdoc/>
        public bool WaitUp(int timeoutMs)
        {
            long start = clock.MonotonicMilliseconds();
            while (true)
            {
                checkedAtMs = -RecheckMs; // look now
                bool isUp = IsUp();
                long now = clock.MonotonicMilliseconds();
                if (policy.ShouldConnect(isUp, isUp || AutoConnectStored(), now)) Connect();
                if (isUp) return true;
                if (now - start >= timeoutMs) return false;
                Thread.Sleep(500);
            }
        }

        /// <inheritdoc/>
        public string Describe()
        {
            return "Wi-Fi: " + state;
        }

        private bool Check()
        {
            NetworkInterface? station;
            try
            {
                station = Station();
            }
            catch (Exception e)
            {
                state = "no network interfaces (" + e.GetType().Name + ")"; // a firmware without networking
                return false;
            }
            if (station == null)
            {
                state = "no Wi-Fi interface in this firmware";
                return false;
            }
            string address = station.IPv4Address;
            if (address == null || address.Length == 0 || address == "0.0.0.0")
            {
                state = "no IP address (stored credentials missing or wrong? tools/flash --ssid S --password P)";
                return false;
            }
            state = "address " + address;
            return true;
        }

        /// <summary>The Wi-Fi station's interface, or null.</summary>
        public static NetworkInterface? Station()
        {
            NetworkInterface[] all = NetworkInterface.GetAllNetworkInterfaces();
            for (int i = 0; i < all.Length; i++)
                if (all[i].NetworkInterfaceType == NetworkInterfaceType.Wireless80211) return all[i];
            return null;
        }

        /// <summary>The Wi-Fi station's MAC address (6 bytes), or null if there is none or it cannot be read.</summary>
        public static byte[]? StationMac()
        {
            try
            {
                NetworkInterface? station = Station();
                byte[]? mac = station == null ? null : station.PhysicalAddress;
                return mac != null && mac.Length == 6 ? mac : null;
            }
            catch (Exception)
            {
                return null;
            }
        }

        // AutoConnect in the stored configuration (tools/flash stores it): the native layer reconnects by itself.
        private bool AutoConnectStored()
        {
            if (autoConnect < 0)
            {
                try
                {
                    Wireless80211Configuration[] stored = Wireless80211Configuration.GetAllWireless80211Configurations();
                    autoConnect = stored.Length > 0 && (stored[0].Options & Wireless80211Configuration.ConfigurationOptions.AutoConnect) == Wireless80211Configuration.ConfigurationOptions.AutoConnect ? 1 : 0;
                }
                catch (Exception)
                {
                    autoConnect = 0;
                }
            }
            return autoConnect == 1;
        }

        private void Connect()
        {
            try
            {
                Wireless80211Configuration[] stored = Wireless80211Configuration.GetAllWireless80211Configurations();
                if (stored.Length == 0 || stored[0].Ssid == null || stored[0].Ssid.Length == 0)
                {
                    log.Line("Wi-Fi: no stored credentials; run tools/flash --ssid S --password P");
                    return;
                }
                if (adapter == null)
                {
                    WifiAdapter[] adapters = WifiAdapter.FindAllAdapters(); // once per boot: each call creates adapters
                    if (adapters.Length == 0)
                    {
                        log.Line("Wi-Fi: this firmware has no Wi-Fi adapter");
                        return;
                    }
                    adapter = adapters[0];
                }
                WifiConnectionResult result = adapter.Connect(stored[0].Ssid, WifiReconnectionKind.Automatic, stored[0].Password);
                log.Line("Wi-Fi: no AutoConnect stored and no address for a minute: connected to '" + stored[0].Ssid + "' once (Automatic: the firmware reconnects by itself from now on): " + result.ConnectionStatus);
            }
            catch (Exception e)
            {
                log.Line("Wi-Fi: connect failed: " + e.Message);
            }
        }

        private void OnAddressChanged(object sender, EventArgs e)
        {
            Interlocked.Exchange(ref changed, 1);
        }

        private void OnAvailabilityChanged(object sender, NetworkAvailabilityEventArgs e)
        {
            Interlocked.Exchange(ref changed, 1);
        }
    }
}
