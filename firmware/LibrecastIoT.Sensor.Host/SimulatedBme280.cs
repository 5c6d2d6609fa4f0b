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

        /// <summary>Set to have the next reads flag the humidity invalid (a BME280 with humidity sampling skipped).</summary>
        public bool HumidityInvalid { get; set; }

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
            reading.HasTemperature = reading.HasPressure = true;
            reading.HasHumidity = !HumidityInvalid;
            return true;
        }
    }

    /// <summary>
    /// Opens a <see cref="SimulatedBme280"/>, or throws as the Bmxx80 binding does when no BME280
    /// answers (IOException, chip id not 0x60) for the first <see cref="MissingOpens"/> attempts
    /// (-1: always).
    /// </summary>
    public sealed class SimulatedBme280Source(int seed) : ISensorSource
    {
        private int opens;

        /// <summary>How many opens fail before the sensor "appears" (-1: it never does).</summary>
        public int MissingOpens { get; set; }

        /// <summary>Attempts so far.</summary>
        public int Opens => opens;

        /// <summary>
        /// The seed a node named <paramref name="node"/> gets when none is given: FNV-1a (32-bit)
        /// of the name's UTF-8, so a node reads the same values in every run and on every machine
        /// (string.GetHashCode is randomised per process).
        /// </summary>
        public static int SeedFor(string node)
        {
            uint h = 2166136261;
            foreach (byte b in System.Text.Encoding.UTF8.GetBytes(node)) h = (h ^ b) * 16777619;
            return unchecked((int)h);
        }

        /// <summary>The sensor last opened.</summary>
        public SimulatedBme280? Sensor { get; private set; }

        /// <inheritdoc/>
        public ISensor Open()
        {
            opens++;
            if (MissingOpens < 0 || opens <= MissingOpens)
                throw new System.IO.IOException("chip id 0x00 is not a BME280's (0x60): no sensor answers at 0x76 (simulated)");
            return Sensor = new SimulatedBme280(seed);
        }

        /// <inheritdoc/>
        public string Describe() => "BME280 at 0x76 (simulated)";
    }
}
