namespace LibrecastIoT.Sensor
{
    /// <summary>Something a person can see: the LED that <c>identify</c> blinks (or a log line).</summary>
    public interface IIndicator
    {
        /// <summary>Turns the indicator on or off.</summary>
        void Set(bool on);
    }
}
