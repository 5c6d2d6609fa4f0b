// Contract for nanoFramework.System.Device.Wifi 1.5.149 (WifiNetworkHelper), nanoFramework.System.Net
// 1.11.60 (NetworkHelperStatus) and nanoFramework.System.Threading 1.1.52 (cancellation).
using System;

namespace nanoFramework.Networking
{
    public enum NetworkHelperStatus
    {
        None,
        Started,
        NetworkIsReady,
        FailedNoNetworkInterface,
        TokenExpiredWaitingIPAddress,
        TokenExpiredWaitingDateTime,
        ErrorConnetingToWiFiWhileScanning,
        ExceptionOccurred,
        Reconnecting,
    }

    public static class WifiNetworkHelper
    {
        public static NetworkHelperStatus Status { get { throw new NotImplementedException(); } }
        public static bool Reconnect(bool requiresDateTime, int wifiAdapterId, System.Threading.CancellationToken token) { throw new NotImplementedException(); }
    }
}

namespace System.Threading
{
    public struct CancellationToken
    {
        public bool IsCancellationRequested { get { throw new NotImplementedException(); } }
    }

    public class CancellationTokenSource
    {
        public CancellationTokenSource(int millisecondsDelay) { throw new NotImplementedException(); }
        public CancellationToken Token { get { throw new NotImplementedException(); } }
    }
}
