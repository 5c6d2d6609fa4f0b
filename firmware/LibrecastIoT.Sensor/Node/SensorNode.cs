using System;
using System.Threading;
using Librecast;
using Librecast.Security;
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
    /// <para>The same class runs on the ESP32 (nanoFramework) and in the host twin on Linux; only the
    /// platform (sockets), the sensor source, the link and the indicator differ.</para>
    /// <para>Nothing outside stops it. A sensor that cannot be opened (absent, wrong address, a
    /// BMP280) is retried with back-off (<see cref="FirstSensorRetryMs"/> doubling up to
    /// <see cref="MaxSensorRetryMs"/>); one that stops answering is closed after
    /// <see cref="ReadFailuresBeforeReopen"/> failed reads and reopened the same way. Meanwhile
    /// every interval still goes out, as a status pack: <c>sensor_ok</c> 0 and the running count
    /// <c>sensor_errors</c>; only values the sensor marked valid are ever published. A link that
    /// goes down closes the socket; when it is back a new socket joins the command channel again.</para>
    /// <para>Schedules run on <see cref="IPlatform.MonotonicMilliseconds"/>; the wall clock only
    /// stamps the SenML base time, so SNTP setting the clock never shifts or stalls the schedule.</para>
    /// <para>Time: the node publishes from the start, with or without a clock. Its time comes from
    /// <see cref="NodeClock"/> (the platform's clock once set, else lcgw's beacon on SITE/time,
    /// heard on a second socket, or an SNTP answer); a reading taken before any time is known goes
    /// out without <c>bt</c> (SenML: the receiver times it), never with a 1970 one.</para>
    /// </remarks>
    public sealed class SensorNode
    {
        /// <summary>Size of the SenML pack buffer: five records with a long base name fit with room to spare.</summary>
        public const int PacketBytes = 384;

        /// <summary>Largest command datagram taken in (33-byte librecast header + payload, + 40 when encrypted).</summary>
        public const int CommandBytes = 256;

        /// <summary>Half-period of the identify blink.</summary>
        public const int BlinkMilliseconds = 250;

        /// <summary>First wait before opening a missing sensor again.</summary>
        public const int FirstSensorRetryMs = 5000;

        /// <summary>Longest wait between two attempts to open a missing sensor.</summary>
        public const int MaxSensorRetryMs = 300000;

        /// <summary>Failed reads in a row after which the sensor is closed and reopened.</summary>
        public const int ReadFailuresBeforeReopen = 3;

        /// <summary>Longest wait between two attempts to open the socket and join (after a failure).</summary>
        public const int MaxStartRetryMs = 30000;

        /// <summary>Largest time beacon datagram taken in (33-byte header + 24-byte payload + 40 when sealed, rounded up).</summary>
        public const int BeaconBytes = 128;

        /// <summary>Bytes a restricted channel adds to a command or a beacon (token 128 + signature 64): the receive buffers grow by it on a restricted site.</summary>
        public const int SignedOverhead = TokenFilter.Overhead;

        /// <summary>Rejected commands and beacons logged one by one; after that every 100th.</summary>
        public const int RejectionsLogged = 10;

        /// <summary>Wait before trying again to join the time channel after a failure.</summary>
        public const int TimeJoinRetryMs = 30000;

        private readonly Context context;
        private readonly NodeSettings settings;
        private readonly ISensorSource sensors;
        private readonly IIndicator indicator;
        private readonly INodeLog log;
        private readonly INetworkLink link;
        private readonly byte[] packet = new byte[PacketBytes];
        private readonly SenmlWriter writer;
        private readonly SensorReading reading = new SensorReading();
        private readonly Message command;
        private readonly string baseName;
        private readonly Channel telemetry;
        private readonly Channel commands;
        private readonly Channel timeChannel;
        private readonly NodeClock clock;
        private readonly Message beacon;
        private readonly TokenFilter? commandFilter; // restricted site (settings.Signer): commands must carry the signer's token
        private readonly TokenFilter? timeFilter;    // and so must the time beacon
        private readonly VerifyLimiter? verifyLimit; // one verification budget for both
        private Socket? socket;
        private Socket? timeSocket; // the time beacon's own socket: nanoFramework reports no destination, so one joined channel per socket
        private long nextTimeJoinMs;
        private NackResponder? nacks; // NACK log and responder of the telemetry channel (settings.NackSeconds), while online
        private ISensor? sensor;
        private long nextSensorOpenMs;
        private int sensorRetryMs = FirstSensorRetryMs;
        private int readFailuresInARow;
        private int intervalSeconds;
        private long nextPublishMs;
        private long identifyUntilMs;
        private long nextBlinkMs;
        private bool ledOn;
        private bool wasOnline;
        private int startRetryMs = 1000;
        private int stopRequested;
        private bool reportRejected; // a command was refused since the last pack: the next one says so (commands_rejected)

        /// <summary>A node with one sensor that is already open and a link that never drops (tests).</summary>
        /// <exception cref="ArgumentException">A setting is invalid (the message says which).</exception>
        public SensorNode(Context context, NodeSettings settings, ISensor sensor, IIndicator indicator, INodeLog log)
            : this(context, settings, new FixedSensorSource(sensor), indicator, log, new AlwaysUpLink())
        {
            if (sensor == null) throw new ArgumentNullException("sensor");
        }

        /// <summary>
        /// Creates a node: its two channels (encrypted if <see cref="NodeSettings.Key"/> is set);
        /// nothing touches the network or the sensor until <see cref="Start"/> and the first reading.
        /// </summary>
        /// <exception cref="ArgumentException">A setting is invalid (the message says which).</exception>
        public SensorNode(Context context, NodeSettings settings, ISensorSource sensors, IIndicator indicator, INodeLog log, INetworkLink link)
        {
            if (context == null) throw new ArgumentNullException("context");
            if (settings == null) throw new ArgumentNullException("settings");
            if (sensors == null) throw new ArgumentNullException("sensors");
            if (indicator == null) throw new ArgumentNullException("indicator");
            if (log == null) throw new ArgumentNullException("log");
            if (link == null) throw new ArgumentNullException("link");
            settings.Validate();
            this.context = context;
            this.settings = settings;
            this.sensors = sensors;
            this.indicator = indicator;
            this.log = log;
            this.link = link;
            writer = new SenmlWriter(packet, 0, packet.Length);
            baseName = settings.BaseName;
            intervalSeconds = settings.IntervalSeconds;
            // Created once: a channel keeps its sequence numbers (and key) across re-joins, so
            // receivers' replay windows see one session, not a restart per Wi-Fi drop.
            telemetry = settings.Ipv6 ? context.CreateChannel(settings.TelemetryChannel, settings.Wire) : context.CreateIpv4Channel(settings.TelemetryChannel);
            commands = settings.Ipv6 ? context.CreateChannel(settings.CommandChannel, settings.Wire) : context.CreateIpv4Channel(settings.CommandChannel);
            timeChannel = settings.Ipv6 ? context.CreateChannel(settings.TimeChannel, settings.Wire) : context.CreateIpv4Channel(settings.TimeChannel);
            if (settings.Key != null)
            {
                telemetry.SetKey(settings.Key);
                commands.SetKey(settings.Key);
                // Only beacons sealed with the site key open: a neighbour cannot set the clock. On a
                // restricted site the signer's token does that, and the key may be the node's own
                // (derived for this node), which the gateway's one beacon cannot be sealed with.
                if (settings.Signer == null) timeChannel.SetKey(settings.Key);
            }
            bool restricted = settings.Signer != null;
            command = new Message(restricted ? CommandBytes + SignedOverhead : CommandBytes);
            beacon = new Message(restricted ? BeaconBytes + SignedOverhead : BeaconBytes);
            if (settings.TelemetryToken != null && settings.BearerSeed != null) SignTelemetry(settings);
            if (restricted)
            {
                Keyring signers = new Keyring();
                signers.Add(settings.Signer!, 0);
                verifyLimit = new VerifyLimiter(context.Platform, NodeSettings.VerifyPercent, NodeSettings.VerifyBurstMs);
                // lcgw token NODE FILE --command issues WRITE on SITE/NODE/cmd; lcgw seals its beacon with WRITE too.
                commandFilter = new TokenFilter(signers, Token.Write, NodeSettings.SignedReplayMemory);
                commandFilter.Limiter = verifyLimit;
                commands.TokenFilter = commandFilter;
                timeFilter = new TokenFilter(signers, Token.Write, NodeSettings.SignedReplayMemory);
                timeFilter.Limiter = verifyLimit;
                timeChannel.TokenFilter = timeFilter;
            }
            NodeClock? own = context.Platform as NodeClock;
            clock = own != null ? own : new NodeClock(context.Platform);
        }

        // Every reading goes out as token ‖ frame ‖ Ed25519ph signature with the node's bearer key.
        // The token must be for this telemetry channel (and the signer's, if the signer is known):
        // a mismatch is a provisioning mistake, said at once rather than as readings lcgw drops.
        private void SignTelemetry(NodeSettings s)
        {
            byte[] token = s.TelemetryToken!;
            byte[] hash = new byte[32];
            telemetry.CopyHashTo(hash, 0);
            if (!Token.IsFor(token, 0, hash, 0))
                throw new ArgumentException("token " + s.TokenFile + " is for another channel, not " + telemetry.Name + " (lcgw token " + s.Node + " FILE issues the node's own)");
            try
            {
                telemetry.SetToken(token, 0, s.BearerSeed!, 0); // copies the seed
            }
            catch (ArgumentException)
            {
                throw new ArgumentException("token " + s.TokenFile + " is for another bearer key, not bearer_key " + s.BearerKeyFile + "'s (lcgw's config node needs this node's key: lc key pub FILE)");
            }
            finally
            {
                byte[] seed = s.BearerSeed!;
                for (int i = 0; i < seed.Length; i++) seed[i] = 0;
                s.BearerSeed = null;
            }
        }

        /// <summary>True if the node's readings are signed (bearer key and token provisioned).</summary>
        public bool SignsTelemetry { get { return telemetry.HasToken; } }

        /// <summary>The command channel's filter on a restricted site (settings.Signer), else null.</summary>
        public TokenFilter? CommandFilter { get { return commandFilter; } }

        /// <summary>The time channel's filter on a restricted site, else null.</summary>
        public TokenFilter? TimeFilter { get { return timeFilter; } }

        /// <summary>The verification budget of both filters on a restricted site, else null.</summary>
        public VerifyLimiter? VerifyLimit { get { return verifyLimit; } }

        /// <summary>Commands rejected unverified or unauthorized on a restricted site (no token of the signer's for this channel, a bad signature, a replay, the verification budget spent); the next pack carries the count as <c>commands_unauthorized</c>.</summary>
        public int CommandsUnauthorized { get; private set; }

        /// <summary>Seconds between readings now (the <c>interval</c> command changes it).</summary>
        public int IntervalSeconds { get { return intervalSeconds; } }

        /// <summary>The telemetry channel.</summary>
        public Channel Telemetry { get { return telemetry; } }

        /// <summary>The command channel.</summary>
        public Channel Commands { get { return commands; } }

        /// <summary>The site's time channel (SITE/time), where lcgw announces its clock.</summary>
        public Channel TimeChannel { get { return timeChannel; } }

        /// <summary>The node's clock (the context's platform if it is a <see cref="NodeClock"/>).</summary>
        public NodeClock Clock { get { return clock; } }

        /// <summary>True while the time channel is joined (on its own socket).</summary>
        public bool TimeJoined { get { return timeSocket != null; } }

        /// <summary>Datagrams on the time channel that did not open with the site key (forged or foreign beacons), ignored.</summary>
        public int TimeRejected { get; private set; }

        /// <summary>Datagrams on the command socket longer than <see cref="CommandBytes"/>: cut, so dropped unread (the core counts them as truncated too).</summary>
        public int CommandsTruncated { get; private set; }

        /// <summary>Packs published without a base time (no time known yet).</summary>
        public int UntimedPublished { get; private set; }

        /// <summary>True while the node has a socket with the command channel joined.</summary>
        public bool Online { get { return socket != null; } }

        /// <summary>Packs published (readings and status packs).</summary>
        public int Published { get; private set; }

        /// <summary>Packs published that carried no valid reading (sensor missing or failing).</summary>
        public int StatusPublished { get; private set; }

        /// <summary>Reads that failed (the sensor did not answer, or answered with nothing valid).</summary>
        public int SensorFailures { get; private set; }

        /// <summary>Attempts to open the sensor that failed.</summary>
        public int SensorOpenFailures { get; private set; }

        /// <summary>Single values the sensor marked invalid (or not a number), left out of a pack.</summary>
        public int InvalidValues { get; private set; }

        /// <summary>Everything that went wrong with the sensor: failed opens, failed reads, invalid values (the <c>sensor_errors</c> record).</summary>
        public int SensorErrors { get { return SensorOpenFailures + SensorFailures + InvalidValues; } }

        /// <summary>True while a sensor is open.</summary>
        public bool SensorOpen { get { return sensor != null; } }

        /// <summary>Readings the network refused (Wi-Fi down, no route); the node keeps trying.</summary>
        public int SendFailures { get; private set; }

        /// <summary>Times the link went down while the node was online.</summary>
        public int LinkLosses { get; private set; }

        /// <summary>Times the node joined its command channel again after a loss or a failed start.</summary>
        public int Rejoins { get; private set; }

        /// <summary>Commands carried out.</summary>
        public int CommandsHandled { get; private set; }

        /// <summary>Commands not understood (or out of range), ignored; the next pack after one carries the running count as <c>commands_rejected</c>.</summary>
        public int CommandsRejected { get; private set; }

        /// <summary>Reports the managed heap's free bytes on each "network back" line (null: not reported).</summary>
        public IHeapGauge? Heap { get; set; }

        /// <summary>True while the identify blink runs.</summary>
        public bool Identifying { get { return identifyUntilMs != 0; } }

        /// <summary>
        /// Opens a socket, binds both channels, joins the command channel; the first reading is
        /// due at once. Called again after <see cref="GoOffline"/> it re-joins.
        /// </summary>
        /// <exception cref="LibrecastException">The network refused (the message says what to check).</exception>
        public void Start()
        {
            if (socket != null) return;
            Socket s = context.CreateSocket();
            try
            {
                // Before HandleNacks: the NACK responder's socket takes the data socket's hop limit.
                // Set only when not the socket's default (255, off), which it already asked for:
                // an image that refuses the option then pays for one refusal, not two.
                if (s.HopLimit != settings.HopLimit) s.HopLimit = settings.HopLimit;
                if (s.Loopback != settings.Loopback) s.Loopback = settings.Loopback;
                s.Bind(settings.InterfaceIndex);
                s.Bind(telemetry);
                s.Bind(commands);
                commands.Join();
                // NACK repair (librecast 0.6+): IPv6 channels only; the IPv4 mapping has no NACK group.
                if (settings.NackSeconds > 0 && settings.Ipv6) nacks = telemetry.HandleNacks(NackOptionsOf(settings));
            }
            catch (Exception)
            {
                StopNacks();
                s.Dispose(); // a later Start() opens a fresh socket
                throw;
            }
            socket = s;
            startRetryMs = 1000;
            JoinTime();
            if (wasOnline)
            {
                Rejoins++;
                log.Line("node " + settings.Node + ": network back, joined " + commands + " again (" + Rejoins + " re-joins)" +
                         (Heap == null ? "" : "; heap " + Heap.FreeBytesAfterCollection() + " B free"));
            }
            else
            {
                nextPublishMs = NowMs();
                log.Line("node " + settings.Node + ": publishing to " + telemetry + " every " + intervalSeconds + " s" +
                         (settings.Key != null ? ", encrypted" : ", in clear") + (telemetry.HasToken ? ", signed" : "") +
                         (settings.HopLimit != NodeSettings.MaxHopLimit ? ", hop limit " + settings.HopLimit : "") + (settings.Loopback ? ", loopback on" : "") +
                         "; commands on " + commands +
                         (commandFilter != null ? " (signed by the site signer only; verifying at most " + NodeSettings.VerifyPercent + "% of the time)" : "") +
                         (settings.NackSeconds == 0 ? "" : nacks != null ? "; answering NACKs for " + settings.NackSeconds + " s" : "; nack ignored: IPv4 channels have no NACK group"));
            }
            wasOnline = true;
        }

        /// <summary>Closes the socket (its groups are left); <see cref="Start"/> opens a new one.</summary>
        public void GoOffline()
        {
            Socket? s = socket;
            if (s == null) return;
            socket = null;
            StopNacks();
            LeaveTime();
            s.Dispose();
        }

        // The time beacon on a socket of its own. Not fatal: without it the node publishes untimed
        // (or on the platform's clock) and tries again later.
        private void JoinTime()
        {
            if (timeSocket != null) return;
            nextTimeJoinMs = NowMs() + TimeJoinRetryMs;
            Socket t = context.CreateSocket();
            try
            {
                t.Bind(settings.InterfaceIndex);
                t.Bind(timeChannel);
                timeChannel.Join();
            }
            catch (LibrecastException e)
            {
                t.Dispose();
                log.Line("node " + settings.Node + ": cannot join the time channel " + timeChannel + ": " + e.Message +
                         " (readings go out " + (clock.HasTime ? "on the " + clock.Source + " clock" : "without a base time") + "; retrying in " + TimeJoinRetryMs / 1000 + " s)");
                return;
            }
            timeSocket = t;
        }

        private void LeaveTime()
        {
            Socket? t = timeSocket;
            timeSocket = null;
            if (t != null) t.Dispose();
        }

        // Takes every beacon waiting on the time socket (never blocks).
        private void PollTime(long now)
        {
            Socket? t = timeSocket;
            if (t == null)
            {
                if (now >= nextTimeJoinMs) JoinTime();
                return;
            }
            for (int i = 0; i < 4; i++)
            {
                ReceiveResult r = t.ReceiveMessage(beacon, 0);
                if (r == ReceiveResult.Unauthorized)
                {
                    // A beacon without the site signer's token (or a bad signature, a replay, the budget spent).
                    TimeRejected++;
                    reportRejected = true;
                    if (TimeRejected <= RejectionsLogged || TimeRejected % 100 == 0)
                        log.Line("node " + settings.Node + ": rejected a datagram on " + timeChannel.Name + ": " + TokenFilter.NameOf(timeFilter!.LastVerdict) +
                                 " (" + TimeRejected + " so far); the clock is unchanged");
                    continue;
                }
                if (r == ReceiveResult.Truncated) continue; // longer than a beacon: counted by the core
                if (r == ReceiveResult.Unauthenticated)
                {
                    // A beacon not sealed with the site key (a neighbour's, a forgery, or a clear one to a keyed node).
                    TimeRejected++;
                    if (TimeRejected == 1 || TimeRejected % 100 == 0)
                        log.Line("node " + settings.Node + ": rejected a datagram on " + timeChannel.Name + " that does not open with the site key (" + TimeRejected + " so far); the clock is unchanged");
                    continue;
                }
                if (r != ReceiveResult.Ok) return;
                // Other groups on the port reach this socket too on lwIP (SO_REUSE_RXTOALL): only beacons count.
                TakeBeacon(beacon.Buffer, beacon.PayloadOffset, beacon.PayloadLength);
            }
        }

        // A beacon payload (from the time socket, or from the command socket where the stack cannot
        // tell the two groups apart); true if it was one, taken or not.
        private bool TakeBeacon(byte[] buffer, int offset, int count)
        {
            long unixMs;
            if (!TimeBeacon.TryParse(buffer, offset, count, out unixMs)) return false;
            bool had = clock.HasTime;
            string before = clock.Source;
            if (clock.TakeBeacon(unixMs) && (!had || before != clock.Source))
                log.Line("node " + settings.Node + ": time " + unixMs / 1000 + "." + Pad3(unixMs % 1000) + " from the gateway (" + timeChannel.Name +
                         "), clock " + clock.Source + "; readings carry a base time" + (had ? "" : " from now on"));
            return true;
        }

        private static string Pad3(long v)
        {
            return v < 10 ? "00" + v : v < 100 ? "0" + v : v.ToString();
        }

        /// <summary>The NACK responder of the telemetry channel while online (settings.NackSeconds), or null.</summary>
        public NackResponder? Nacks { get { return nacks; } }

        // The node's fixed NACK budget: NodeSettings.NackLogBytes of log, a small resend rate.
        private static NackOptions NackOptionsOf(NodeSettings settings)
        {
            NackOptions o = new NackOptions();
            o.Seconds = settings.NackSeconds;
            o.LogBytes = NodeSettings.NackLogBytes;
            o.SlotSize = NodeSettings.NackSlotBytes;
            o.ResendsPerSecond = NodeSettings.NackResendsPerSecond;
            o.Burst = NodeSettings.NackBurst;
            return o;
        }

        private void StopNacks()
        {
            NackResponder? n = nacks;
            nacks = null;
            if (n != null) n.Dispose();
        }

        /// <summary>Runs <see cref="RunOnce"/> until <see cref="Stop"/>, then goes offline.</summary>
        public void Run()
        {
            while (Interlocked.CompareExchange(ref stopRequested, 0, 0) == 0) RunOnce(1000);
            GoOffline();
        }

        /// <summary>
        /// One turn of <see cref="Run"/>: follows the link (closing the socket when it drops,
        /// opening a new one and re-joining when it is back), then <see cref="Step"/>. Network
        /// errors are logged and retried with back-off; never throws for them.
        /// </summary>
        public void RunOnce(int maxWaitMs)
        {
            try
            {
                if (!link.IsUp())
                {
                    if (socket != null)
                    {
                        LinkLosses++;
                        log.Line("node " + settings.Node + ": network lost (" + link.Describe() + "); closing the socket until it is back");
                        GoOffline();
                    }
                    if (!link.WaitUp(maxWaitMs)) return;
                }
                if (socket == null)
                {
                    try
                    {
                        Start();
                    }
                    catch (LibrecastException e)
                    {
                        log.Line("node " + settings.Node + ": " + e.Message + " (retrying in " + startRetryMs / 1000 + " s)");
                        Thread.Sleep(startRetryMs);
                        startRetryMs = startRetryMs * 2 > MaxStartRetryMs ? MaxStartRetryMs : startRetryMs * 2;
                        return;
                    }
                }
                Step(maxWaitMs);
            }
            catch (LibrecastException e)
            {
                log.Line("node " + settings.Node + ": " + e.Message + " (retrying in 1 s)");
                Thread.Sleep(1000);
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
            if (now >= nextPublishMs)
            {
                PublishAt(now);
                nextPublishMs += period;
                if (nextPublishMs <= now) nextPublishMs = now + period;
            }
            Blink(now);
            PollTime(now);

            long wait = nextPublishMs - now;
            if (identifyUntilMs != 0 && nextBlinkMs - now < wait) wait = nextBlinkMs - now;
            if (wait > maxWaitMs) wait = maxWaitMs;
            if (wait < 0) wait = 0;
            ReceiveResult r = s.ReceiveMessage(command, (int)wait);
            if (r == ReceiveResult.Truncated)
            {
                // Longer than CommandBytes: cut by the stack, so never parsed (the core counts it too).
                CommandsTruncated++;
                if (CommandsTruncated == 1 || CommandsTruncated % 100 == 0)
                    log.Line("node " + settings.Node + ": dropped a datagram longer than " + CommandBytes + " bytes on " + commands.Name + " (" + CommandsTruncated + " so far)");
            }
            if (r == ReceiveResult.Unauthorized) RejectCommand();
            // Without the destination (nanoFramework sockets do not report it) the datagram can
            // only be for the one group this socket joined: the command channel.
            if (r == ReceiveResult.Ok && (command.Channel == commands || command.Channel == null) &&
                !TakeBeacon(command.Buffer, command.PayloadOffset, command.PayloadLength))
                HandleCommand(command.Buffer, command.PayloadOffset, command.PayloadLength);
        }

        // A datagram on the command channel that the site signer's filter refused: never obeyed,
        // counted, logged (the first few, then every 100th: a flood cannot fill the log) and
        // reported in the next scheduled pack (commands_unauthorized), never with an extra send.
        private void RejectCommand()
        {
            CommandsUnauthorized++;
            reportRejected = true;
            if (CommandsUnauthorized <= RejectionsLogged || CommandsUnauthorized % 100 == 0)
            {
                TokenFilter? f = commandFilter;
                string why = f == null ? "no token filter" : TokenFilter.NameOf(f.LastVerdict);
                log.Line("node " + settings.Node + ": rejected a command on " + commands.Name + ": " + why + " (" + CommandsUnauthorized +
                         " so far; commands must carry the site signer's token for this channel: lcgw token " + settings.Node + " FILE --command)");
            }
        }

        /// <summary>Takes a reading and publishes it now; false if nothing valid was read or the network failed (counted).</summary>
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
                    // Refused, and reported on the telemetry channel: the next scheduled pack carries
                    // commands_rejected (no extra send, so bad commands cannot make the node talk more).
                    CommandsRejected++;
                    reportRejected = true;
                    log.Line("node " + settings.Node + ": ignored a command it does not understand (" + count + " bytes); " +
                             "commands: interval SECONDS | identify [SECONDS] | publish");
                    return;
            }
            CommandsHandled++;
        }

        // Publishes what is valid of one reading, or a status pack when nothing is: never a
        // value the sensor did not vouch for.
        private bool PublishAt(long nowMs)
        {
            bool read = ReadSensor(nowMs);
            long timeMs;
            if (clock.TryNowMs(out timeMs)) writer.Begin(baseName, timeMs);
            else
            {
                writer.Begin(baseName); // no time yet: no bt, the receiver times it (never 1970)
                UntimedPublished++;
                if (UntimedPublished == 1) log.Line("node " + settings.Node + ": no time yet (no SNTP answer, no beacon on " + timeChannel.Name + "); readings go out without a base time");
            }
            int invalid = 0;
            if (read)
            {
                if (reading.HasTemperature && IsNumber(reading.TemperatureCelsius)) writer.Add("temperature", "Cel", reading.TemperatureCelsius, 2);
                else invalid++;
                if (reading.HasHumidity && IsNumber(reading.HumidityPercent)) writer.Add("humidity", "%RH", reading.HumidityPercent, 1);
                else invalid++;
                if (reading.HasPressure && IsNumber(reading.PressurePascals)) writer.Add("pressure", "Pa", reading.PressurePascals, 0);
                else invalid++;
                if (invalid == 3)
                {
                    read = false; // answered, but with nothing valid: a failed read
                    invalid = 0;
                    CountReadFailure();
                }
                else if (invalid > 0)
                {
                    InvalidValues += invalid;
                    if (InvalidValues == invalid || InvalidValues % 100 < invalid)
                        log.Line("node " + settings.Node + ": the sensor marked " + invalid + " value(s) invalid; left out (" + InvalidValues + " so far)");
                }
            }
            if (!read || invalid > 0)
            {
                writer.Add("sensor_ok", "", 0, 0);
                writer.Add("sensor_errors", "count", SensorErrors, 0);
            }
            bool reporting = reportRejected && writer.Add("commands_rejected", "count", CommandsRejected, 0) &&
                             (CommandsUnauthorized == 0 || writer.Add("commands_unauthorized", "count", CommandsUnauthorized, 0)) &&
                             (TimeRejected == 0 || timeFilter == null || writer.Add("time_rejected", "count", TimeRejected, 0));
            int length = writer.End();
            try
            {
                telemetry.SendMessage(packet, 0, length);
            }
            catch (LibrecastException e)
            {
                SendFailures++;
                if (SendFailures == 1 || SendFailures % 100 == 0)
                    log.Line("node " + settings.Node + ": " + e.Message + " (" + SendFailures + " failed so far)");
                return false;
            }
            if (reporting) reportRejected = false;
            Published++;
            if (!read) StatusPublished++;
            return read;
        }

        // Opens the sensor if it is due, reads it; false if there is none or the read failed.
        private bool ReadSensor(long nowMs)
        {
            ISensor? s = sensor;
            if (s == null)
            {
                if (nowMs < nextSensorOpenMs) return false;
                try
                {
                    s = sensors.Open();
                    if (s == null) throw new InvalidOperationException("the sensor source returned nothing");
                }
                catch (Exception e)
                {
                    SensorOpenFailures++;
                    nextSensorOpenMs = nowMs + sensorRetryMs;
                    log.Line("node " + settings.Node + ": cannot open " + sensors.Describe() + ": " + e.Message +
                             "; check wiring and I2C address; retrying in " + sensorRetryMs / 1000 + " s (" + SensorOpenFailures + " failed so far)");
                    sensorRetryMs = sensorRetryMs * 2 > MaxSensorRetryMs ? MaxSensorRetryMs : sensorRetryMs * 2;
                    return false;
                }
                sensor = s;
                readFailuresInARow = 0;
                if (SensorOpenFailures > 0 || SensorFailures > 0) log.Line("node " + settings.Node + ": " + sensors.Describe() + " is back");
            }
            bool ok;
            try
            {
                ok = s.TryRead(reading);
            }
            catch (Exception)
            {
                ok = false; // a binding that throws is a failed read, never a stopped node
            }
            if (ok)
            {
                readFailuresInARow = 0;
                sensorRetryMs = FirstSensorRetryMs;
                return true;
            }
            reading.Clear();
            CountReadFailure();
            return false;
        }

        private void CountReadFailure()
        {
            SensorFailures++;
            readFailuresInARow++;
            if (SensorFailures == 1 || SensorFailures % 100 == 0)
                log.Line("node " + settings.Node + ": sensor read failed (" + SensorFailures + " so far); check wiring and I2C address");
            if (readFailuresInARow >= ReadFailuresBeforeReopen && sensor != null)
            {
                ISensor dead = sensor;
                sensor = null;
                readFailuresInARow = 0;
                nextSensorOpenMs = NowMs() + sensorRetryMs;
                log.Line("node " + settings.Node + ": " + ReadFailuresBeforeReopen + " failed reads in a row; closing " + sensors.Describe() +
                         ", reopening in " + sensorRetryMs / 1000 + " s");
                IDisposable? d = dead as IDisposable;
                if (d != null)
                {
                    try { d.Dispose(); }
                    catch (Exception) { /* a sensor that cannot even close is dropped all the same */ }
                }
            }
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

        // Schedules: the monotonic clock, which SNTP does not move.
        private long NowMs()
        {
            return context.Platform.MonotonicMilliseconds();
        }

        private Socket RequireStarted()
        {
            Socket? s = socket;
            if (s == null) throw new InvalidOperationException("call Start() first");
            return s;
        }
    }
}
