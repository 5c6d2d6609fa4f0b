using System;
using System.Reflection;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// Reads a small file from the device's internal storage (<c>I:\</c>, littlefs on every ESP32
    /// image the boards use: <c>CONFIG_API_SYSTEM_IO_FILESYSTEM=y</c> in nf-interpreter's
    /// defconfigs), where <c>nanoff --filedeployment</c> puts it.
    /// </summary>
    /// <remarks>
    /// The file API is nanoFramework.System.IO.FileSystem (listed in packages.config and the
    /// .nfproj, so it is deployed), called through reflection: the compile check's reference
    /// assemblies (../shared/nanoframework-ref) do not include System.IO.FileSystem, and the
    /// check must keep compiling this file. Calls: <c>File.Exists(string)</c>,
    /// <c>File.ReadAllBytes(string)</c> (System.IO.FileSystem 1.1.93). Whether the lookup by name
    /// works on the device is for a board to settle; if it fails the node says so and does not start
    /// (the file may hold a key: it never falls back to clear).
    /// </remarks>
    public static class DeviceStorage
    {
        /// <summary>The bytes of the file at <paramref name="path"/>, or null if there is none.</summary>
        /// <exception cref="NotSupportedException">The file system assembly is not on the device, or has no such API.</exception>
        public static byte[]? Read(string path)
        {
            Type? file = null;
            try
            {
                Assembly fs = Assembly.Load("System.IO.FileSystem");
                file = fs.GetType("System.IO.File");
            }
            catch (Exception)
            {
                // not deployed
            }
            if (file == null) throw new NotSupportedException("System.IO.FileSystem is not deployed on this device");
            MethodInfo? exists = file.GetMethod("Exists");
            MethodInfo? read = file.GetMethod("ReadAllBytes");
            if (exists == null || read == null) throw new NotSupportedException("System.IO.File has no Exists/ReadAllBytes");
            object[] args = new object[] { path };
            if (!(bool)exists.Invoke(null, args)) return null;
            return (byte[])read.Invoke(null, args);
        }
    }
}
