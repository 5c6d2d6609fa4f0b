namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// Where the node's configuration file lives: the device's storage (<c>I:\librecast.conf</c>),
    /// or a file in the host twin. It must tell "absent" from "unreadable": an absent file means
    /// the defaults (in clear), an unreadable one may hold a key, so the node must not publish.
    /// </summary>
    public interface IConfigStore
    {
        /// <summary>The file's bytes, or null if the storage is readable and holds no such file.</summary>
        /// <exception cref="System.Exception">The storage or the file cannot be read (the message says why): not the same as absent.</exception>
        byte[]? Read();

        /// <summary>Names the file for log lines ("I:\librecast.conf").</summary>
        string Describe();
    }
}
