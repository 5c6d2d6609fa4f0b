using System;

namespace LibrecastIoT.Sensor
{
    /// <summary>The host twin's log and identify indicator: lines on stderr.</summary>
    public sealed class ConsoleLog : INodeLog, IIndicator
    {
        private readonly string prefix;

        /// <summary>Writes lines prefixed with "<paramref name="prefix"/>: ".</summary>
        public ConsoleLog(string prefix) => this.prefix = prefix;

        /// <inheritdoc/>
        public void Line(string text) => Console.Error.WriteLine(prefix + ": " + text);

        /// <inheritdoc/>
        public void Set(bool on) => Console.Error.WriteLine(prefix + ": identify LED " + (on ? "on" : "off"));
    }
}
