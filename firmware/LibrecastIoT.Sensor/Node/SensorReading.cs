namespace LibrecastIoT.Sensor
{
    /// <summary>One reading of a temperature/humidity/pressure sensor; reused for every reading.</summary>
    public sealed class SensorReading
    {
        /// <summary>Temperature in degrees Celsius, if <see cref="HasTemperature"/>.</summary>
        public double TemperatureCelsius;

        /// <summary>Relative humidity in percent, if <see cref="HasHumidity"/>.</summary>
        public double HumidityPercent;

        /// <summary>Air pressure in pascals, if <see cref="HasPressure"/>.</summary>
        public double PressurePascals;

        /// <summary>The temperature was read.</summary>
        public bool HasTemperature;

        /// <summary>The humidity was read.</summary>
        public bool HasHumidity;

        /// <summary>The pressure was read.</summary>
        public bool HasPressure;

        /// <summary>Forgets the previous values.</summary>
        public void Clear()
        {
            HasTemperature = false;
            HasHumidity = false;
            HasPressure = false;
        }
    }
}
