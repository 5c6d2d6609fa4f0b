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
    /// The binding returns a new result object (and UnitsNet values) per read: a few hundred bytes
    /// of garbage every interval, outside the network path. Our own buffers stay preallocated.
    /// </remarks>
    public sealed class Bme280Sensor : ISensor, IDisposable
    {
        private readonly I2cDevice device;
        private readonly Bme280 bme280;

        /// <summary>Opens the BME280 at <paramref name="address"/> on I2C bus <paramref name="bus"/>.</summary>
        public Bme280Sensor(int bus, int address)
        {
            device = I2cDevice.Create(new I2cConnectionSettings(bus, address));
            bme280 = new Bme280(device);
            bme280.TemperatureSampling = Sampling.Standard;
            bme280.PressureSampling = Sampling.Standard;
            bme280.HumiditySampling = Sampling.Standard;
        }

        /// <inheritdoc/>
        public bool TryRead(SensorReading reading)
        {
            reading.Clear();
            Bme280ReadResult result;
            try
            {
                result = bme280.Read();
            }
            catch (Exception)
            {
                return false; // I2C error: no device, loose wire
            }
            if (result == null) return false;
            // All three are sampled (Sampling.Standard), so all three are measured; the binding's
            // per-value validity flags differ between its versions, so only the values are used.
            reading.TemperatureCelsius = result.Temperature.DegreesCelsius;
            reading.HasTemperature = true;
            reading.HumidityPercent = result.Humidity.Percent;
            reading.HasHumidity = true;
            reading.PressurePascals = result.Pressure.Pascals;
            reading.HasPressure = true;
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
