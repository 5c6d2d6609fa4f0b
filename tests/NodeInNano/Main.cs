using System;
using System.Collections;
using System.IO;
using Librecast;
using Librecast.Crypto;
using LibrecastIoT.Sensor;

namespace NodeInNano
{
    public sealed class Wire : IPlatform, ITransport
    {
        public ulong Now = 1795000000000000000UL;
        public long Mono = 1000;
        public ArrayList Sent = new ArrayList();
        public int Joins;
        private uint state;
        public Wire(uint seed) { state = seed; }
        public ITransport OpenTransport() { return this; }
        public ulong NowNanoseconds() { return Now; }
        public long MonotonicMilliseconds() { return Mono; }
        public void FillRandom(byte[] b, int o, int c) { for (int i = 0; i < c; i++) { state = state * 1664525u + 1013904223u; b[o + i] = (byte)(state >> 24); } }
        public void Bind(int port) { }
        public void SetInterface(int i) { }
        public void SetHopLimit(int h) { }
        public void SetLoopback(bool e) { }
        public void Join(byte[] g, int o, int i) { Joins++; }
        public void Leave(byte[] g, int o, int i) { }
        public int Send(byte[] b, int o, int c, byte[] g, int go, int p) { byte[] d = new byte[c]; Array.Copy(b, o, d, 0, c); Sent.Add(d); return c; }
        public int Receive(byte[] b, int o, int c, int t, DatagramInfo info) { return -1; }
        public void Dispose() { }
    }

    public sealed class Link : INetworkLink
    {
        public bool Up = true;
        public bool IsUp() { return Up; }
        public bool WaitUp(int t) { return Up; }
        public string Describe() { return Up ? "up" : "down"; }
    }

    public sealed class Missing : ISensorSource
    {
        public int Opens;
        public ISensor Open() { Opens++; throw new IOException("chip id is not 0x60"); }
        public string Describe() { return "BME280 (missing)"; }
    }

    public sealed class Log : INodeLog, IIndicator
    {
        public int Lines;
        public void Line(string t) { Lines++; Console.WriteLine("  log: " + t); }
        public void Set(bool on) { }
    }

    public static class Program
    {
        private static int passed, failed;
        private static void Check(bool ok, string what) { if (ok) passed++; else failed++; Console.WriteLine((ok ? "PASS " : "FAIL ") + what); }

        // Issue 22 point 1: a board after power-on (clock at 1970 + 5 s, no SNTP) publishes at once
        // without a SenML bt; the gateway's beacon gives the time, forward only; the beacon's text.
        private static void Clock()
        {
            Wire wire = new Wire(11);
            wire.Now = 5000000000UL;
            NodeClock clock = new NodeClock(wire);
            NodeSettings ns = new NodeSettings();
            ns.Node = "c1"; ns.Ipv6 = true;
            Log log = new Log();
            SensorNode node = new SensorNode(new Context(clock), ns, new Missing(), log, log, new Link());
            node.RunOnce(0);
            string first = Text((byte[])wire.Sent[wire.Sent.Count - 1], Frame.HeaderSize);
            Check(node.Published == 1 && node.UntimedPublished == 1 && first.IndexOf("\"bt\"") < 0 && !clock.HasTime, "unset clock: published at once, no bt: " + first);
            byte[] b = new byte[TimeBeacon.MaxBytes];
            int n = TimeBeacon.Write(1795000123456L, b, 0);
            long t;
            byte[] exact = new byte[n];
            Array.Copy(b, exact, n);
            Check(TimeBeacon.TryParse(b, 0, n, out t) && t == 1795000123456L && Text(exact, 0) == "time 1795000123456", "beacon text round trip");
            Check(clock.TakeBeacon(1795000123456L) && !clock.TakeBeacon(1795000000000L) && !clock.TakeBeacon(1000L) && clock.BeaconsIgnored == 2, "beacon taken, older and 1970 ones ignored");
            wire.Mono += 2000;
            node.PublishNow();
            string timed = Text((byte[])wire.Sent[wire.Sent.Count - 1], Frame.HeaderSize);
            Check(timed.IndexOf("\"bt\":1795000125.456") > 0 && clock.NowNanoseconds() == 1795000125456000000UL, "gateway time in bt and frames: " + timed);
            WifiReconnectPolicy p = new WifiReconnectPolicy();
            int connects = 0;
            for (long ms = 0; ms <= 600000; ms += 500) if (p.ShouldConnect(true, false, ms) || p.ShouldConnect(false, true, ms)) connects++;
            WifiReconnectPolicy q = new WifiReconnectPolicy();
            for (long ms = 0; ms <= 600000; ms += 500) if (q.ShouldConnect(false, false, ms)) connects += 100;
            Check(connects == 100, "Wi-Fi: no connect while up or with AutoConnect, one without (" + connects + ")");
        }

        // NACK gap repair's pieces (src/Librecast/Nack; here rather than in tests/nano's cases,
        // whose assembly's string table is full): gaps, the log of sent datagrams, the limiter,
        // and a node answering a NACK with its telemetry datagram byte for byte.
        private static void Nack()
        {
            GapDetector g = new GapDetector(64);
            g.Observe(1, 0); g.Observe(2, 0);
            Check(g.Observe(5, 0) == GapVerdict.New && g.DueCount == 2 && g.DueAt(0) == 3 && g.DueAt(1) == 4, "gap: 3 and 4 NACKed on 5");
            Check(g.Observe(4, 10) == GapVerdict.Repaired && g.Observe(4, 11) == GapVerdict.Duplicate, "gap: 4 repaired once");
            Check(g.Observe(6, 10 + GapDetector.RetryMilliseconds) == GapVerdict.New && g.DueCount == 1 && g.DueAt(0) == 3, "gap: 3 again after the retry time");
            for (ulong s = 7; s <= 200; s++) g.Observe(s, (long)s * 1000);
            Check(g.TakeAbandoned() == 1 && g.Missing == 0, "gap: 3 abandoned as it left the window");

            NackLog log = new NackLog(4096, 512, 60000);
            byte[] d = new byte[300], copy = new byte[512];
            for (ulong s = 1; s <= 20; s++)
            {
                for (int i = 0; i < d.Length; i++) d[i] = (byte)(s * 7 + (ulong)i);
                log.Record(s, d, 0, 100 + (int)s, (long)s);
            }
            bool same = log.TryCopy(13, 20, copy, 0) == 113;
            for (int i = 0; i < 113; i++) if (copy[i] != (byte)(13 * 7 + i)) same = false;
            Check(log.Slots == 8 && same, "log: seq 13 byte for byte");
            Check(log.TryCopy(12, 20, copy, 0) == -1 && log.TryCopy(13, 60014, copy, 0) == -1, "log: overwritten and expired refused");

            ResendLimiter l = new ResendLimiter(10, 4, 0);
            int ok = 0;
            for (int i = 0; i < 100; i++) if (l.TryTake(0)) ok++;
            int later = 0;
            for (long t = 1; t <= 1000; t++) for (int i = 0; i < 5; i++) if (l.TryTake(t)) later++;
            Check(ok == 4 && later == 10, "limiter: burst 4, then 10 a second (" + ok + ", " + later + ")");

            // The node with "nack 60": its responder answers (Answer, not the thread: this wire never receives).
            Wire wire = new Wire(9);
            Log quiet = new Log();
            NodeSettings ns = new NodeSettings();
            ns.Node = "n2"; ns.Ipv6 = true; ns.NackSeconds = 60;
            SensorNode node = new SensorNode(new Context(wire), ns, new Missing(), quiet, quiet, new Link());
            node.RunOnce(0);
            NackResponder? r = node.Nacks;
            byte[] first = (byte[])wire.Sent[0];
            byte[] nack = new byte[8];
            nack[7] = 1;
            int before = wire.Sent.Count;
            bool answered = r != null && r.Answer(nack, 0, 8) && wire.Sent.Count == before + 1;
            if (answered)
            {
                byte[] again = (byte[])wire.Sent[before];
                if (again.Length != first.Length) answered = false;
                else for (int i = 0; i < first.Length; i++) if (again[i] != first[i]) answered = false;
            }
            Check(answered && r!.Log.Slots == NodeSettings.NackLogBytes / NodeSettings.NackSlotBytes, "node: NACK for seq 1 answered byte for byte from the 8 KiB log");
            node.GoOffline();
            Check(node.Nacks == null, "node: responder stopped offline");
        }

        private static string Text(byte[] d, int from) { char[] c = new char[d.Length - from]; for (int i = from; i < d.Length; i++) c[i - from] = (char)d[i]; return new string(c); }

        public static void Main()
        {
            Check(NodeSettings.NameFromMac(new byte[] { 0x24, 0x6f, 0x28, 0xa1, 0xb2, 0xc3 }) == "esp-246f28a1b2c3", "name from MAC");
            NodeSettings s = new NodeSettings();
            byte[] conf = Utf8.GetBytes("site gh\nnode bed3 # x\ninterval 30\nkey 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
            NodeConfig.Apply(conf, conf.Length, s);
            Check(s.Site == "gh" && s.Node == "bed3" && s.IntervalSeconds == 30 && s.Key != null && s.Key[31] == 31, "config applied");
            bool refused = false;
            try { byte[] bad = Utf8.GetBytes("colour red"); NodeConfig.Apply(bad, bad.Length, new NodeSettings()); }
            catch (ArgumentException e) { refused = e.Message.IndexOf("unknown setting") >= 0; }
            Check(refused, "bad config refused");

            Wire wire = new Wire(7);
            Link link = new Link();
            Missing missing = new Missing();
            Log log = new Log();
            NodeSettings ns = new NodeSettings();
            ns.Node = "n1"; ns.Ipv6 = true;
            SensorNode node = new SensorNode(new Context(wire), ns, missing, log, log, link);
            for (int i = 0; i < 4; i++) { node.RunOnce(0); wire.Mono += 10000; }
            Check(node.Published == 4 && node.StatusPublished == 4 && node.SensorOpenFailures == 3 && missing.Opens == 3, "missing sensor: 4 status packs, 3 opens backed off (" + node.Published + "," + node.SensorOpenFailures + "," + missing.Opens + ")");
            string last = Text((byte[])wire.Sent[wire.Sent.Count - 1], Frame.HeaderSize);
            Check(last.IndexOf("\"n\":\"sensor_ok\",\"v\":0") > 0 && last.IndexOf("sensor_errors") > 0, "status pack: " + last);
            link.Up = false; node.RunOnce(0);
            Check(!node.Online && node.LinkLosses == 1, "link lost: offline");
            link.Up = true; node.RunOnce(0);
            // Two joins per start: the command channel and the site's time channel (its own socket).
            Check(node.Online && node.Rejoins == 1 && wire.Joins == 4, "link back: re-joined (joins " + wire.Joins + ")");

            // Nonces: two boots, same seed, clocks 7.3 s apart.
            Wire boot1 = new Wire(42), boot2 = new Wire(42);
            boot2.Now += 7300000000UL;
            SecretBox b1 = new SecretBox(new byte[32]), b2 = new SecretBox(new byte[32]);
            byte[] p = new byte[4], d1 = new byte[44], d2 = new byte[44];
            bool differ = true, counts = true;
            for (int i = 0; i < 50; i++)
            {
                b1.Seal(p, 0, 4, d1, 0, boot1);
                b2.Seal(p, 0, 4, d2, 0, boot2);
                bool same = true;
                for (int k = 20; k < 44; k++) if (d1[k] != d2[k]) same = false;
                if (same) differ = false;
                if (d1[20 + 15] != (byte)(i + 1)) counts = false;
            }
            Check(differ, "nonces of two boots with one seed differ");
            Check(counts, "nonce counter counts");
            Nack();
            Clock();
            Console.WriteLine("NodeInNano: " + passed + " passed, " + failed + " failed");
        }
    }
}
