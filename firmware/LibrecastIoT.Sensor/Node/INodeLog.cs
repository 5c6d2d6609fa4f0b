namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// Where the node says what it does: Console.WriteLine on the device (SerialLog), stderr in the host twin.
    /// Used for events (start, commands, errors), never per reading.
    /// </summary>
    public interface INodeLog
    {
        /// <summary>Writes one line.</summary>
        void Line(string text);
    }
}
