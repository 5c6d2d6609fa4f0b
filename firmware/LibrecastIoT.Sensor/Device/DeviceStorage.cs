using System;
using System.Reflection;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// A small file in the device's internal storage (<c>I:\</c>, littlefs on every ESP32 image the
    /// boards use: <c>CONFIG_API_SYSTEM_IO_FILESYSTEM=y</c> in nf-interpreter's defconfigs), where
    /// <c>nanoff --filedeployment</c> puts it; tells "absent" from "unreadable".
    /// </summary>
    /// <remarks>
    /// <para>The file API is nanoFramework.System.IO.FileSystem (listed in packages.config and the
    /// .nfproj, so it is deployed), called through reflection: the compile check's reference
    /// assemblies (../shared/nanoframework-ref) do not include System.IO.FileSystem, and the
    /// check must keep compiling this file.</para>
    /// <para><c>File.Exists</c> is not used: its native side answers false for any failure (no
    /// volume, a volume that cannot be mounted or read), so "unreadable" would look like "absent"
    /// and a keyed node would start in clear. Instead the volume's root is listed with
    /// <c>Directory.GetFiles</c>, which throws <c>IOException</c> when the drive does not exist or
    /// cannot be read (System.IO.FileSystem 1.1.93): the file is absent only if the listing worked
    /// and does not name it; then <c>File.ReadAllBytes</c> reads it, and any exception it throws
    /// is "unreadable" too. Whether the lookup by name works on the device is for a board to
    /// settle; if it fails, that is "unreadable" and the node does not publish.</para>
    /// </remarks>
    public sealed class DeviceStorage : IConfigStore
    {
        private readonly string path;
        private readonly string root;

        /// <summary>The file at <paramref name="path"/> ("I:\librecast.conf").</summary>
        public DeviceStorage(string path)
        {
            this.path = path;
            int slash = path.IndexOf('\\');
            root = slash < 0 ? path : path.Substring(0, slash + 1);
        }

        /// <inheritdoc/>
        public string Describe()
        {
            return path;
        }

        /// <inheritdoc/>
        /// <exception cref="NotSupportedException">The file system assembly is not on the device, or has no such API.</exception>
        /// <exception cref="Exception">Listing the volume or reading the file failed (IOException from System.IO.FileSystem, as thrown).</exception>
        public byte[]? Read()
        {
            Type? file = null, directory = null;
            try
            {
                Assembly fs = Assembly.Load("System.IO.FileSystem");
                file = fs.GetType("System.IO.File");
                directory = fs.GetType("System.IO.Directory");
            }
            catch (Exception)
            {
                // not deployed
            }
            if (file == null || directory == null) throw new NotSupportedException("System.IO.FileSystem is not deployed on this device");
            MethodInfo? list = directory.GetMethod("GetFiles");
            MethodInfo? read = file.GetMethod("ReadAllBytes");
            if (list == null || read == null) throw new NotSupportedException("System.IO.FileSystem has no Directory.GetFiles/File.ReadAllBytes");
            string[] files = (string[])list.Invoke(null, new object[] { root }); // throws if the volume is missing or unreadable
            if (!Lists(files)) return null;
            return (byte[])read.Invoke(null, new object[] { path });
        }

        // The listing names files with their path ("I:\librecast.conf"); compared without case (FAT-style names).
        private bool Lists(string[] files)
        {
            if (files == null) return false;
            string want = path.ToLower();
            string name = want.Substring(root.Length);
            for (int i = 0; i < files.Length; i++)
            {
                string f = files[i] == null ? "" : files[i].ToLower();
                if (f == want || f == name) return true;
            }
            return false;
        }
    }
}
