using System;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The restricted site's files in the device's storage, beside <c>I:\librecast.conf</c>
    /// (<c>I:\NAME</c>, written by <c>tools/flash --bearer-key FILE --token FILE</c> through
    /// <c>nanoff --filedeployment</c>). The storage (littlefs) has no owners: a secret is as safe as
    /// the board's flash (docs/security.md).
    /// </summary>
    public sealed class DeviceFiles : IProvisionedFiles
    {
        /// <summary>The storage's root, where tools/flash puts the files.</summary>
        public const string Root = "I:\\";

        /// <inheritdoc/>
        public string Describe(string name)
        {
            return Root + name;
        }

        /// <inheritdoc/>
        public byte[] Read(string name, bool secret)
        {
            byte[]? data = new DeviceStorage(Describe(name)).Read();
            if (data == null) throw new Exception("not in the device's storage (tools/flash " + (secret ? "--bearer-key" : "--token") + " FILE writes it)");
            return data;
        }
    }
}
