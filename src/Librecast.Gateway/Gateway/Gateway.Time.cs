using System;
using System.Globalization;
using System.Threading;
using Librecast.Files;
using Librecast.Sockets;

namespace Librecast.Gateway;

// The site's time beacon (option time_beacon): every N seconds "time <unix ms>" on SITE/time, on the
// IPv6 channel (the gateway's wire) and on its IPv4 mapping, sealed with key_file when the site is
// keyed. Nodes without Internet NTP take their clock from it (firmware/README.md); a neighbour
// without the key cannot set them.
public sealed partial class Gateway
{
    private Thread? timeThread;
    private int timeBeaconsSent, timeBeaconErrors;

    /// <summary>Time beacons sent (each on IPv6 and the IPv4 mapping counts once).</summary>
    public int TimeBeaconsSent => Volatile.Read(ref timeBeaconsSent);

    private void StartTimeBeacon()
    {
        if (config.TimeBeaconSeconds <= 0) return;
        timeThread = new Thread(TimeBeaconLoop) { IsBackground = true, Name = "lcgw-time" };
        timeThread.Start();
    }

    private void TimeBeaconLoop()
    {
        string name = TimeBeacon.ChannelOf(config.Site);
        var payload = new byte[TimeBeacon.MaxBytes];
        Librecast.Socket? socket = null;
        Channel? v6 = null, v4 = null;
        string lastError = "";
        WaitHandle stop = shutdown.Token.WaitHandle;
        try
        {
            do
            {
                try
                {
                    if (socket == null)
                    {
                        socket = context!.CreateSocket();
                        socket.Bind(Interfaces.Resolve(config.Interface));
                        v6 = context.CreateChannel(name, config.WireOf(name));
                        v4 = context.CreateIpv4Channel(name);
                        if (config.KeyFile != null)
                        {
                            byte[] key = KeyFile.Read(config.KeyFile);
                            v6.SetKey(key);
                            v4.SetKey(key);
                            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
                        }
                        SealOwn(v6); // Gateway.Restricted.cs
                        SealOwn(v4);
                        socket.Bind(v6);
                        socket.Bind(v4);
                        log.Info("time beacon on", ("channel", name), ("every_seconds", config.TimeBeaconSeconds),
                            ("sealed", config.KeyFile != null), ("signed", config.SealOwnSends));
                    }
                    int length = TimeBeacon.Write(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), payload, 0);
                    v6!.SendMessage(payload, 0, length);
                    try { v4!.SendMessage(payload, 0, length); }
                    catch (LibrecastException) { /* no IPv4 on the interface: IPv6 nodes still hear it */ }
                    Interlocked.Increment(ref timeBeaconsSent);
                    lastError = "";
                }
                catch (Exception e) when (e is LibrecastException or System.Net.Sockets.SocketException or ObjectDisposedException)
                {
                    Interlocked.Increment(ref timeBeaconErrors);
                    if (e.Message != lastError) log.Warn("time beacon not sent; retrying", ("channel", name), ("error", e.Message));
                    lastError = e.Message;
                    try { socket?.Dispose(); } catch (LibrecastException) { }
                    socket = null;
                }
            }
            while (!stop.WaitOne(TimeSpan.FromSeconds(config.TimeBeaconSeconds)));
        }
        finally
        {
            try { socket?.Dispose(); } catch (LibrecastException) { }
        }
    }
}
