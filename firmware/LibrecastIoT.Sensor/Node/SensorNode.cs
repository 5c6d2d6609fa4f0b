using System;
using System.Threading;
using Librecast;
using Librecast.Senml;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The sensor node: every <see cref="IntervalSeconds"/> it reads the sensor and publishes one
    /// SenML pack (RFC 8428) to SITE/NODE/telemetry; between readings it listens on SITE/NODE/cmd
    /// for commands (<see cref="Command"/>). One thread, everything through the librecast core,
    /// and every buffer allocated here, at start, and reused.
    /// </summary>
    /// <remarks>
    /// The same class runs on the ESP32 (nanoFramework) and in the host twin on Linux; only the
    /// platform (sockets), the sensor and the indicator differ.
    /// </remarks>
    public sealed class SensorNode
    {
        /// <summary>Size of the SenML pack buffer: three records with a long base name fit with room to spare.</summary>
        public const int PacketBytes = 384;

        /// <summary>Largest command datagram taken in (33-byte librecast header + payload).</summary>
        public const int CommandBytes = 256;

        /// <summary>Half-period of the identify blink.</summary>
        public const int BlinkMilliseconds = 250;

        private readonly Context context;
        private readonly NodeSettings settings;
        private readonly ISensor sensor;
        private readonly IIndicator indicator;
        private readonly INodeLog log;
        private readonly byte[] packet = new byte[PacketBytes];
        private readonly SenmlWriter writer;
        private readonly SensorReading reading = new SensorReading();
        private readonly Message command = new Message(CommandBytes);
        private readonly string baseName;
        private Socket? socket;
        private Channel? telemetry;
        private Channel? commands;
        private int intervalSeconds;
        private long nextPublishMs;
        private long identifyUntilMs;
        private long nextBlinkMs;
        private bool ledOn;
        private int stopRequested;

        /// <summary>Creates a node; nothing touches the network until <see cref="Start"/>.</summary>
        /// <exception cref="ArgumentException">A setting is invalid (the message says which).</exception>
        public SensorNode(Context context, NodeSettings settings, ISensor sensor, IIndicator indicator, INodeLog log)
        {
            if (context == null) throw new ArgumentNullException("context");
            if (settings == null) throw new ArgumentNullException("settings");
            if (sensor == null) throw new ArgumentNullException("sensor");
            if (indicator == null) throw new ArgumentNullException("indicator");
            if (log == null) throw new ArgumentNullException("log");
            settings.Validate();
            this.context = context;
            this.settings = settings;
            this.sensor = sensor;
            this.indicator = indicator;
            this.log = log;
            writer = new SenmlWriter(packet, 0, packet.Length);
            baseName = settings.BaseName;
            intervalSeconds = settings.IntervalSeconds;
        }

        /// <summary>Seconds between readings now (the <c>interval</c> command changes it).</summary>
        public int IntervalSeconds { get { return intervalSeconds; } }

        /// <summary>The telemetry channel, after <see cref="Start"/>.</summary>
        public Channel? Telemetry { get { return telemetry; } }

        /// <summary>The command channel, after <see cref="Start"/>.</summary>
        public Channel? Commands { get { return commands; } }

        /// <summary>Readings published.</summary>
        public int Published { get; private set; }

        /// <summary>Readings the sensor could not deliver.</summary>
        public int SensorFailures { get; private set; }

        /// <summary>Readings the network refused (Wi-Fi down, no route); the node keeps trying.</summary>
        public int SendFailures { get; private set; }

        /// <summary>Commands carried out.</summary>
        public int CommandsHandled { get; private set; }

        /// <summary>Commands not understood (or out of range), ignored.</summary>
        public int CommandsRejected { get; private set; }

        /// <summary>True while the identify blink runs.</summary>
        public bool Identifying { get { return identifyUntilMs != 0; } }

        /// <summary>
        /// Opens the socket, binds both channels, joins the command channel; the first reading is
        /// due at once.
        /// </summary>
        /// <exception cref="LibrecastException">The network refused (the message says what to check).</exception>
        public void Start()
        {
            if (socket != null) return;
            Socket s = context.CreateSocket();
            try
            {
                s.Bind(settings.InterfaceIndex);
                telemetry = settings.Ipv6 ? context.CreateChannel(settings.TelemetryChannel) : context.CreateIpv4Channel(settings.TelemetryChannel);
                commands = settings.Ipv6 ? context.CreateChannel(settings.CommandChannel) : context.CreateIpv4Channel(settings.CommandChannel);
                s.Bind(telemetry);
                s.Bind(commands);
                commands.Join();
            }
            catch (Exception)
            {
                s.Dispose(); // a later Start() opens a fresh socket
                throw;
            }
            socket = s;
            nextPublishMs = NowMs();
            log.Line("node " + settings.Node + ": publishing to " + telemetry + " every " + intervalSeconds + " s, commands on " + commands);
        }

        /// <summary>Runs <see cref="Step"/> until <see cref="Stop"/>; network errors are logged and retried.</summary>
        public void Run()
        {
            Start();
            while (Interlocked.CompareExchange(ref stopRequested, 0, 0) == 0)
            {
                try
                {
                    Step(1000);
                }
                catch (LibrecastException e)
                {
                    log.Line("node " + settings.Node + ": " + e.Message + " (retrying in 1 s)");
                    Thread.Sleep(1000);
                }
            }
        }

        /// <summary>Asks <see cref="Run"/> to return after the current step (any thread).</summary>
        public void Stop()
        {
            Interlocked.Exchange(ref stopRequested, 1);
        }

        /// <summary>
        /// One turn of the loop: publishes if a reading is due, drives the identify blink, then
        /// waits up to <paramref name="maxWaitMs"/> (less if something is due sooner) for a command.
        /// </summary>
        public void Step(int maxWaitMs)
        {
            Socket s = RequireStarted();
            long now = NowMs();
            long period = intervalSeconds * 1000L;
            if (nextPublishMs - now > period) nextPublishMs = now; // the clock went back (time sync)
            if (now >= nextPublishMs)
            {
                PublishAt(now);
                nextPublishMs += period;
                if (nextPublishMs <= now) nextPublishMs = now + period;
            }
            Blink(now);

            long wait = nextPublishMs - now;
            if (identifyUntilMs != 0 && nextBlinkMs - now < wait) wait = nextBlinkMs - now;
            if (wait > maxWaitMs) wait = maxWaitMs;
            if (wait < 0) wait = 0;
            ReceiveResult r = s.ReceiveMessage(command, (int)wait);
            // Without the destination (nanoFramework sockets do not report it) the datagram can
            // only be for the one group this socket joined: the command channel.
            if (r == ReceiveResult.Ok && (command.Channel == commands || command.Channel == null))
                HandleCommand(command.Buffer, command.PayloadOffset, command.PayloadLength);
        }

        /// <summary>Takes a reading and publishes it now; false if the sensor or the network failed (counted).</summary>
        public bool PublishNow()
        {
            RequireStarted();
            return PublishAt(NowMs());
        }

        /// <summary>Carries out one command payload (see <see cref="Command"/>).</summary>
        public void HandleCommand(byte[] buffer, int offset, int count)
        {
            int value;
            CommandKind kind = Command.Parse(buffer, offset, count, out value);
            long now = NowMs();
            switch (kind)
            {
                case CommandKind.Interval:
                    intervalSeconds = value;
                    nextPublishMs = now; // publish now, then every `value` seconds
                    log.Line("node " + settings.Node + ": interval " + value + " s");
                    break;
                case CommandKind.Identify:
                    identifyUntilMs = now + value * 1000L;
                    nextBlinkMs = now;
                    log.Line("node " + settings.Node + ": identify for " + value + " s");
                    break;
                case CommandKind.Publish:
                    nextPublishMs = now;
                    break;
                default:
                    CommandsRejected++;
                    log.Line("node " + settings.Node + ": ignored a command it does not understand (" + count + " bytes); " +
                             "commands: interval SECONDS | identify [SECONDS] | publish");
                    return;
            }
            CommandsHandled++;
        }

        private bool PublishAt(long nowMs)
        {
            Channel channel = telemetry!;
            if (!sensor.TryRead(reading))
            {
                SensorFailures++;
                if (SensorFailures == 1 || SensorFailures % 100 == 0)
                    log.Line("node " + settings.Node + ": sensor read failed (" + SensorFailures + " so far); check wiring and I2C address");
                return false;
            }
            writer.Begin(baseName, nowMs);
            if (reading.HasTemperature && IsNumber(reading.TemperatureCelsius)) writer.Add("temperature", "Cel", reading.TemperatureCelsius, 2);
            if (reading.HasHumidity && IsNumber(reading.HumidityPercent)) writer.Add("humidity", "%RH", reading.HumidityPercent, 1);
            if (reading.HasPressure && IsNumber(reading.PressurePascals)) writer.Add("pressure", "Pa", reading.PressurePascals, 0);
            int length = writer.End();
            try
            {
                channel.SendMessage(packet, 0, length);
            }
            catch (LibrecastException e)
            {
                SendFailures++;
                if (SendFailures == 1 || SendFailures % 100 == 0)
                    log.Line("node " + settings.Node + ": " + e.Message + " (" + SendFailures + " failed so far)");
                return false;
            }
            Published++;
            return true;
        }

        private void Blink(long now)
        {
            if (identifyUntilMs == 0) return;
            if (now >= identifyUntilMs)
            {
                identifyUntilMs = 0;
                ledOn = false;
                indicator.Set(false);
                return;
            }
            if (now >= nextBlinkMs)
            {
                ledOn = !ledOn;
                indicator.Set(ledOn);
                nextBlinkMs = now + BlinkMilliseconds;
            }
        }

        private static bool IsNumber(double v)
        {
            return !double.IsNaN(v) && !double.IsInfinity(v);
        }

        private long NowMs()
        {
            return (long)(context.Platform.NowNanoseconds() / 1000000UL);
        }

        private Socket RequireStarted()
        {
            Socket? s = socket;
            if (s == null) throw new InvalidOperationException("call Start() first");
            return s;
        }
    }
}
