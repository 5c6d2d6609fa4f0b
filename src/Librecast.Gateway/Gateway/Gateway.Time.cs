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

    private LibrecastException? beaconSendError; // set by the beacon socket's SendErrorHandler

    // Queues one beacon on the socket's ring and sends it: stamped (and sealed) by DoWork, a
    // refused send thrown here as it was on the direct path (a restricted channel too: signed as sent).
    private void SendNow(Librecast.Socket socket, Channel channel, byte[] payload, int length)
    {
        beaconSendError = null;
        channel.SendMessage(payload, 0, length);
        Publisher? ring = socket.Publisher;
        if (ring != null) while (ring.DoWork() > 0) { }
        LibrecastException? refused = Interlocked.Exchange(ref beaconSendError, null);
        if (refused != null) throw refused;
    }

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
                        // One writer, this thread: a single-writer ring, sent by this thread right away.
                        socket.SendErrorHandler = e => beaconSendError = e;
                        // Room for the beacon as sent: framed, sealed and, on a restricted site, token + signature.
                        socket.StartPublisher(SendRingOptions(TimeBeacon.MaxBytes + Frame.HeaderSize + Librecast.Crypto.SecretBox.Overhead +
                            (config.SealOwnSends ? Librecast.Security.TokenFilter.Overhead : 0), 4));
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
                    SendNow(socket, v6!, payload, length);
                    try { SendNow(socket, v4!, payload, length); }
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
