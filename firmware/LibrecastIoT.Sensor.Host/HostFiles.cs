using System.IO;
using Librecast.Files;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The host twin's provisioned files: beside its <c>--config</c> file, as the ESP32's are beside
    /// <c>I:\librecast.conf</c>. A key file is checked as lc checks one (owner-only, 32 bytes), a
    /// token as a token (128 bytes, version 0xff); every problem one line naming the file.
    /// </summary>
    public sealed class HostFiles : IProvisionedFiles
    {
        private readonly string directory;

        /// <summary>Files in <paramref name="directory"/>.</summary>
        public HostFiles(string directory) => this.directory = directory;

        /// <inheritdoc/>
        public string Describe(string name) => Path.Combine(directory, name);

        /// <inheritdoc/>
        public byte[] Read(string name, bool secret) =>
            secret ? SigningKeyFiles.ReadSeed(Describe(name)) : SigningKeyFiles.ReadToken(Describe(name));
    }
}
