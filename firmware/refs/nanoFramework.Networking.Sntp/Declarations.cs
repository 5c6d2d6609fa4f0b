// Our declaration of nanoFramework.Networking.Sntp 1.6.42's public API (nanoframework/
// nanoFramework.Networking.Sntp v1.6.42, MIT): the same type and members, so that
// MetadataProcessor gives the real package's native checksum (0xE2D9BDED) and method indexes
// against nf-interpreter's table (src/DeviceInterfaces/Networking.Sntp/nf_networking_sntp.cpp).
// Every member is an extern InternalCall, as in the real assembly. The firmware loads it by name
// (Device/SntpServers.cs); firmware/refs/README.md.

using System.Reflection;
using System.Runtime.CompilerServices;

[assembly: AssemblyNativeVersion("100.0.4.4")]

namespace nanoFramework.Networking
{
    /// <summary>The device's SNTP client (lwIP's), started by the firmware when it gets an address.</summary>
    public class Sntp
    {
        /// <summary>Starts the client.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Start();

        /// <summary>Stops the client.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Stop();

        /// <summary>Asks now (the native side stops and starts the client).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void UpdateNow();

        /// <summary>True while the client runs.</summary>
        public static extern bool IsStarted { [MethodImpl(MethodImplOptions.InternalCall)] get; }

        /// <summary>The first server asked (default 0.pool.ntp.org).</summary>
        public static extern string Server1 { [MethodImpl(MethodImplOptions.InternalCall)] get; [MethodImpl(MethodImplOptions.InternalCall)] set; }

        /// <summary>The second server (default 1.pool.ntp.org).</summary>
        public static extern string Server2 { [MethodImpl(MethodImplOptions.InternalCall)] get; [MethodImpl(MethodImplOptions.InternalCall)] set; }
    }
}
