namespace LibrecastIoT.Sensor
{
    /// <summary>Opens the BME280 at a board's I2C bus and address (see <see cref="Bme280Sensor"/>).</summary>
    public sealed class Bme280Source : ISensorSource
    {
        private readonly int bus;
        private readonly int address;

        /// <summary>The BME280 at <paramref name="address"/> on I2C bus <paramref name="bus"/>.</summary>
        public Bme280Source(int bus, int address)
        {
            this.bus = bus;
            this.address = address;
        }

        /// <inheritdoc/>
        /// <exception cref="System.IO.IOException">No BME280 answers there (the binding checks the chip id, 0x60).</exception>
        public ISensor Open()
        {
            return new Bme280Sensor(bus, address);
        }

        /// <inheritdoc/>
        public string Describe()
        {
            return "BME280 at 0x" + address.ToString("x2") + " on I2C" + bus;
        }
    }
}
