using System;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// A BME280 stand-in for the host twin: temperature, humidity and pressure drifting slowly
    /// around plausible indoor values, reproducible from a seed.
    /// </summary>
    public sealed class SimulatedBme280 : ISensor
    {
        private readonly Random random;
        private double temperature, humidity, pressure;

        /// <summary>A simulated sensor; the same seed gives the same readings.</summary>
        public SimulatedBme280(int seed)
        {
            random = new Random(seed);
            temperature = 19 + random.NextDouble() * 4;
            humidity = 40 + random.NextDouble() * 10;
            pressure = 101325 + (random.NextDouble() - 0.5) * 600;
        }

        /// <summary>Set to make the next reads fail, as a disconnected sensor would.</summary>
        public bool Broken { get; set; }

        /// <inheritdoc/>
        public bool TryRead(SensorReading reading)
        {
            reading.Clear();
            if (Broken) return false;
            temperature += (random.NextDouble() - 0.5) * 0.2;
            humidity = Math.Clamp(humidity + (random.NextDouble() - 0.5) * 0.5, 0, 100);
            pressure += (random.NextDouble() - 0.5) * 20;
            reading.TemperatureCelsius = temperature;
            reading.HumidityPercent = humidity;
            reading.PressurePascals = pressure;
            reading.HasTemperature = reading.HasHumidity = reading.HasPressure = true;
            return true;
        }
    }
}
