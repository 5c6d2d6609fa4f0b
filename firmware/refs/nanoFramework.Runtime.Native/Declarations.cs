// Our declaration of nanoFramework.Runtime.Native 1.7.11's public API (nanoframework/
// nanoFramework.Runtime.Native v1.7.11, MIT): the same types and members, so that
// MetadataProcessor gives the same native checksum (0x0EAE898B) and method indexes as the real
// package against nf-interpreter's table (src/nanoFramework.Runtime.Native/nf_rt_native.cpp).
// The natives are extern InternalCall, as in the real assembly; the few managed members are
// declared for their index only and throw: the firmware calls GC.Run alone. firmware/refs/README.md.

using System;
using System.Reflection;
using System.Runtime.CompilerServices;

[assembly: AssemblyNativeVersion("100.0.10.0")]

namespace nanoFramework.Runtime.Native
{
    /// <summary>Thrown when an execution constraint is violated.</summary>
    public class ConstraintException : Exception
    {
    }

    /// <summary>A time constraint on the calling thread.</summary>
    public static class ExecutionConstraint
    {
        /// <summary>Installs (or, with -1, removes) a constraint.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Install(int timeoutMilliseconds, int priority);
    }

    /// <summary>The garbage collector.</summary>
    public static class GC
    {
        /// <summary>Collects now; returns the managed heap's free bytes after the collection.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern uint Run(bool compactHeap);

        /// <summary>Turns the collector's messages on or off.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void EnableGCMessages(bool enable);
    }

    /// <summary>Called before the device reboots.</summary>
    public delegate void RebootEventHandler();

    /// <summary>Power management.</summary>
    public class Power
    {
#pragma warning disable CS0067 // declared, never raised here
        /// <summary>Raised before a reboot.</summary>
        public static event RebootEventHandler OnRebootEvent;
#pragma warning restore CS0067

        /// <summary>Reboots the device (declared only).</summary>
        public static void RebootDevice(RebootOption rebootOption = RebootOption.NormalReboot)
        {
            throw new NotSupportedException("declaration only: deploy nanoFramework.Runtime.Native");
        }

        /// <summary>Reboots the device after the handlers, within a time limit (declared only).</summary>
        public static void RebootDevice(int exeConstraintTimeout, RebootOption rebootOption = RebootOption.NormalReboot)
        {
            throw new NotSupportedException("declaration only: deploy nanoFramework.Runtime.Native");
        }

        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void NativeReboot(RebootOption rebootOption);
    }

    /// <summary>Reboot options.</summary>
    public enum RebootOption
    {
        /// <summary>Hard reset.</summary>
        NormalReboot = 0,
        /// <summary>Into nanoBooter.</summary>
        EnterNanoBooter = 1,
        /// <summary>The CLR only.</summary>
        ClrOnly = 2,
        /// <summary>Into the vendor's bootloader.</summary>
        EnterProprietaryBooter = 8,
    }

    /// <summary>The real-time clock.</summary>
    public static class Rtc
    {
        /// <summary>Sets the system time (declared only).</summary>
        public static bool SetSystemTime(DateTime time)
        {
            throw new NotSupportedException("declaration only: deploy nanoFramework.Runtime.Native");
        }

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern bool Native_RTC_SetSystemTime(int year, byte month, byte day, byte dayOfWeek, byte hours, byte minutes, byte seconds);
    }

    /// <summary>About the system.</summary>
    public static class SystemInfo
    {
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void GetSystemVersion(out int major, out int minor, out int build, out int revision);

        /// <summary>The system's version (declared only).</summary>
        public static Version Version
        {
            get { throw new NotSupportedException("declaration only: deploy nanoFramework.Runtime.Native"); }
        }

        /// <summary>The OEM's text.</summary>
        public static extern string OEMString { [MethodImpl(MethodImplOptions.InternalCall)] get; }

        /// <summary>The OEM.</summary>
        public static extern byte OEM { [MethodImpl(MethodImplOptions.InternalCall)] get; }

        /// <summary>The model.</summary>
        public static extern byte Model { [MethodImpl(MethodImplOptions.InternalCall)] get; }

        /// <summary>The SKU.</summary>
        public static extern ushort SKU { [MethodImpl(MethodImplOptions.InternalCall)] get; }

        /// <summary>The firmware target's name.</summary>
        public static extern string TargetName { [MethodImpl(MethodImplOptions.InternalCall)] get; }

        /// <summary>The platform's name.</summary>
        public static extern string Platform { [MethodImpl(MethodImplOptions.InternalCall)] get; }

        /// <summary>Floating point support (declared only).</summary>
        public static FloatingPoint FloatingPointSupport
        {
            get { throw new NotSupportedException("declaration only: deploy nanoFramework.Runtime.Native"); }
        }

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern byte GetNativeFloatingPointSupport();

        /// <summary>Floating point support.</summary>
        public enum FloatingPoint
        {
            /// <summary>None.</summary>
            None = 0,
            /// <summary>Single precision, software.</summary>
            SinglePrecisionSoftware = 1,
            /// <summary>Single precision, hardware.</summary>
            SinglePrecisionHardware = 2,
            /// <summary>Double precision, software.</summary>
            DoublePrecisionSoftware = 3,
            /// <summary>Double precision, hardware.</summary>
            DoublePrecisionHardware = 4,
        }
    }
}

namespace System
{
    /// <summary>The environment (this assembly adds TickCount64).</summary>
    public static class Environment
    {
        /// <summary>Milliseconds since the system started.</summary>
        public static extern long TickCount64 { [MethodImpl(MethodImplOptions.InternalCall)] get; }
    }
}
