namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// Where the node says what it does: Debug.WriteLine on the device, stderr in the host twin.
    /// Used for events (start, commands, errors), never per reading.
    /// </summary>
    public interface INodeLog
    {
        /// <summary>Writes one line.</summary>
        void Line(string text);
    }
}
