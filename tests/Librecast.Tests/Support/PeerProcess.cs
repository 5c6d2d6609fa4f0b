namespace Librecast.Tests.Support;

/// <summary>A peer program (a C librecast peer, lc) started with a command-line string; see <see cref="DaemonProcess"/>.</summary>
public sealed class PeerProcess(string file, string args) : DaemonProcess(file, args);
