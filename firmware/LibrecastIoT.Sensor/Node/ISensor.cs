namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The node's sensor: a BME280 over I2C on the device (<c>Bme280Sensor</c>), a simulated one
    /// in the host twin.
    /// </summary>
    public interface ISensor
    {
        /// <summary>
        /// Takes one reading into <paramref name="reading"/> (cleared first). Returns false, and
        /// does not throw, if the sensor could not be read at all.
        /// </summary>
        bool TryRead(SensorReading reading);
    }
}
