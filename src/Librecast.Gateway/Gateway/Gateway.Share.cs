using Librecast.Gateway.Share;

namespace Librecast.Gateway;

// The shared directory (config share): its own thread, socket and rate limit, stopped with the
// inputs (a SIGHUP reload starts a new one, which scans the directory afresh).
public sealed partial class Gateway
{
    private DirectoryShare? share;

    /// <summary>The shared directory, if configured.</summary>
    internal DirectoryShare? Share => share;

    private void StartShare()
    {
        if (config.Share == null) return;
        Librecast.Sockets.VectorSymbolOps.Install(); // the encoders' symbol arithmetic, vectorised
        share = new DirectoryShare(config.Share, config.Interface, context!, log, shutdown.Token, NetworkRetry);
        share.Start();
    }

    // After `shutdown` is cancelled, before the context closes its socket.
    private void StopShare()
    {
        if (share != null && !share.Join(5000))
            log.Warn("share thread still running at stop (reading a large file?); closing its socket under it");
    }
}
