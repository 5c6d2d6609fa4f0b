using System.Device.Gpio;

namespace LibrecastIoT.Sensor
{
    /// <summary>The identify LED on a GPIO (or, with pin -1, a log line per change).</summary>
    public sealed class GpioIndicator : IIndicator
    {
        private readonly GpioController? controller;
        private readonly int pin;
        private readonly INodeLog log;

        /// <summary>Drives the LED on <paramref name="pin"/> (active high); -1: no LED, log instead.</summary>
        public GpioIndicator(int pin, INodeLog log)
        {
            this.pin = pin;
            this.log = log;
            if (pin >= 0)
            {
                controller = new GpioController();
                controller.OpenPin(pin, PinMode.Output);
                controller.Write(pin, PinValue.Low);
            }
        }

        /// <inheritdoc/>
        public void Set(bool on)
        {
            if (controller == null)
            {
                log.Line(on ? "identify: *" : "identify: .");
                return;
            }
            controller.Write(pin, on ? PinValue.High : PinValue.Low);
        }
    }
}
