namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The files provisioned beside the node's configuration (librecast.conf's <c>bearer_key</c>
    /// and <c>token</c> lines): in the device's storage on the ESP32 (<c>I:\NAME</c>, written by
    /// <c>tools/flash --bearer-key --token</c>), beside the <c>--config</c> file in the host twin.
    /// Never in the image.
    /// </summary>
    public interface IProvisionedFiles
    {
        /// <summary>The file's bytes; <paramref name="secret"/>: a key, which must be its owner's only where the storage has owners.</summary>
        /// <exception cref="System.Exception">Absent, unreadable or (a secret) open to others: the message, one line, names the file and never holds its content.</exception>
        byte[] Read(string name, bool secret);

        /// <summary>Names the file for log lines (<c>I:\node.key</c>).</summary>
        string Describe(string name);
    }
}
