namespace LibrecastIoT.Sensor
{
    /// <summary>A source that hands out one sensor that is already open.</summary>
    public sealed class FixedSensorSource : ISensorSource
    {
        private readonly ISensor sensor;

        /// <summary>Always opens <paramref name="sensor"/>.</summary>
        public FixedSensorSource(ISensor sensor)
        {
            this.sensor = sensor;
        }

        /// <inheritdoc/>
        public ISensor Open() { return sensor; }

        /// <inheritdoc/>
        public string Describe() { return "sensor"; }
    }
}
