using System;

namespace LibrecastIoT.Sensor
{
    /// <summary>The node's log on the device: the debugger / serial output.</summary>
    public sealed class DebugLog : INodeLog
    {
        /// <inheritdoc/>
        public void Line(string text)
        {
            Console.WriteLine(text);
        }
    }
}
