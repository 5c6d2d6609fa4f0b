namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// Opens the node's sensor: <c>Bme280Source</c> on the device, a simulated one in the host
    /// twin. The node opens it when it first needs a reading and again, with back-off, after it
    /// went missing, so a sensor that is absent at boot or unplugged later never stops the node.
    /// </summary>
    public interface ISensorSource
    {
        /// <summary>
        /// Opens the sensor. Throws (any exception: the Bmxx80 binding throws IOException when the
        /// chip id is not a BME280's) if there is none or it does not answer; the node counts,
        /// logs and retries later.
        /// </summary>
        ISensor Open();

        /// <summary>What is opened, for log lines ("BME280 at 0x76 on I2C1").</summary>
        string Describe();
    }
}
