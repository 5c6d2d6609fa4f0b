using System.Diagnostics;

namespace LibrecastIoT.Sensor
{
    /// <summary>The node's log on the device: the debugger / serial output.</summary>
    public sealed class DebugLog : INodeLog
    {
        /// <inheritdoc/>
        public void Line(string text)
        {
            Debug.WriteLine(text);
        }
    }
}
