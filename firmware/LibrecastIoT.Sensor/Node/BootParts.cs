namespace LibrecastIoT.Sensor
{
    /// <summary>Makes the device edges that must exist once per boot (see <see cref="BootParts"/>).</summary>
    public interface IBootFactory
    {
        /// <summary>The network link (on the device: registers static <c>NetworkChange</c> handlers).</summary>
        INetworkLink MakeLink();

        /// <summary>The identify indicator (on the device: a <c>GpioController</c> and an open pin).</summary>
        IIndicator MakeIndicator();
    }

    /// <summary>
    /// The device edges kept for the life of the node: however many times <c>Program.Run</c> is
    /// started again after an exception, one link (one pair of static <c>NetworkChange</c>
    /// handlers, which are never removed) and one indicator (one <c>GpioController</c> with its
    /// pin open). Making them per run leaked a handler pair and a controller per retry.
    /// </summary>
    public sealed class BootParts
    {
        private readonly IBootFactory factory;
        private INetworkLink? link;
        private IIndicator? indicator;

        /// <summary>Parts made by <paramref name="factory"/>, each at most once.</summary>
        public BootParts(IBootFactory factory)
        {
            if (factory == null) throw new System.ArgumentNullException("factory");
            this.factory = factory;
        }

        /// <summary>The link, made the first time it is asked for.</summary>
        public INetworkLink Link
        {
            get
            {
                if (link == null) link = factory.MakeLink();
                return link;
            }
        }

        /// <summary>The indicator, made the first time it is asked for.</summary>
        public IIndicator Indicator
        {
            get
            {
                if (indicator == null) indicator = factory.MakeIndicator();
                return indicator;
            }
        }
    }
}
