using System;
using System.Device.I2c;
using Iot.Device.Bmxx80;
using Iot.Device.Bmxx80.ReadResult;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The node's sensor on the device: a Bosch BME280 on I2C, read through nanoFramework's
    /// Iot.Device.Bmxx80 binding (temperature, humidity, pressure in one forced measurement).
    /// </summary>
    /// <remarks>
    /// <para>The binding ignores the results of its I2C transfers (<c>WriteByte</c>/<c>ReadByte</c>
    /// in <c>Bmxx80Base</c>), so a sensor that stops answering mid-run yields register values of
    /// 0x00 or 0xFF turned into plausible-looking numbers, flagged valid. Each read therefore first
    /// reads the chip id itself with <c>WriteRead</c> and checks the transfer status
    /// (<c>FullTransfer</c>) and the id (0x60); then it takes only the values the binding flags
    /// valid (<c>TemperatureIsValid</c>, <c>PressureIsValid</c>, <c>HumidityIsValid</c>) and
    /// within the BME280's operating range (datasheet: -40..85 °C, 0..100 %RH, 300..1100 hPa).</para>
    /// <para>The binding returns a new result object (and UnitsNet values) per read: a few hundred
    /// bytes of garbage every interval, outside the network path.</para>
    /// </remarks>
    public sealed class Bme280Sensor : ISensor, IDisposable
    {
        private const byte ChipIdRegister = 0xD0;
        private const byte Bme280ChipId = 0x60;

        private readonly I2cDevice device;
        private readonly Bme280 bme280;
        private readonly byte[] probeWrite = new byte[] { ChipIdRegister };
        private readonly byte[] probeRead = new byte[1];

        /// <summary>Opens the BME280 at <paramref name="address"/> on I2C bus <paramref name="bus"/>.</summary>
        /// <exception cref="System.IO.IOException">The chip id is not a BME280's (absent sensor, wrong address, a BMP280).</exception>
        public Bme280Sensor(int bus, int address)
        {
            device = I2cDevice.Create(new I2cConnectionSettings(bus, address));
            try
            {
                bme280 = new Bme280(device);
                bme280.TemperatureSampling = Sampling.Standard;
                bme280.PressureSampling = Sampling.Standard;
                bme280.HumiditySampling = Sampling.Standard;
            }
            catch (Exception)
            {
                device.Dispose(); // no sensor: do not keep the bus device open across retries
                throw;
            }
        }

        /// <inheritdoc/>
        public bool TryRead(SensorReading reading)
        {
            reading.Clear();
            I2cTransferResult probe = device.WriteRead(new SpanByte(probeWrite), new SpanByte(probeRead));
            if (probe.Status != I2cTransferStatus.FullTransfer || probeRead[0] != Bme280ChipId) return false;
            Bme280ReadResult result;
            try
            {
                result = bme280.Read();
            }
            catch (Exception)
            {
                return false; // I2C error inside the binding
            }
            if (result == null) return false;
            if (result.TemperatureIsValid)
            {
                double t = result.Temperature.DegreesCelsius;
                if (t >= -40 && t <= 85)
                {
                    reading.TemperatureCelsius = t;
                    reading.HasTemperature = true;
                }
            }
            if (result.HumidityIsValid)
            {
                double h = result.Humidity.Percent;
                if (h >= 0 && h <= 100)
                {
                    reading.HumidityPercent = h;
                    reading.HasHumidity = true;
                }
            }
            if (result.PressureIsValid)
            {
                double p = result.Pressure.Pascals;
                if (p >= 30000 && p <= 110000)
                {
                    reading.PressurePascals = p;
                    reading.HasPressure = true;
                }
            }
            return reading.HasTemperature || reading.HasHumidity || reading.HasPressure;
        }

        /// <summary>Releases the I2C device.</summary>
        public void Dispose()
        {
            bme280.Dispose();
            device.Dispose();
        }
    }
}
