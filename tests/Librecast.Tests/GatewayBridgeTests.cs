using System;
using System.Diagnostics;
using System.IO;
using Librecast.Gateway;
using Librecast.Gateway.Config;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The bridge's memory of recent messages (what stops loops), and the gateway's life cycle when
/// its network never comes up: stopping while the retry thread runs.
/// </summary>
public class GatewayBridgeTests
{
    private static FrameHeader Header(ulong time, ulong seq, ulong rnd) => new() { Timestamp = time, Sequence = seq, Random = rnd };

    [Fact]
    public void Recent_Messages_Recognises_A_Copy_By_Its_Header()
    {
        var recent = new RecentMessages(8);
        Assert.True(recent.Add(Header(100, 1, 0xabc)));
        Assert.False(recent.Add(Header(100, 1, 0xabc))); // the same message again
        Assert.True(recent.Add(Header(100, 2, 0xabc)));  // next sequence number
        Assert.True(recent.Add(Header(100, 1, 0xabd)));  // another sender's nonce
        Assert.True(recent.Add(Header(101, 1, 0xabc)));  // another time
    }

    [Fact]
    public void Recent_Messages_Forgets_The_Oldest_Beyond_Its_Capacity()
    {
        var recent = new RecentMessages(4);
        for (ulong i = 1; i <= 4; i++) Assert.True(recent.Add(Header(i, i, i)));
        for (ulong i = 1; i <= 4; i++) Assert.False(recent.Add(Header(i, i, i)));
        Assert.True(recent.Add(Header(5, 5, 5)));          // pushes out 1
        Assert.True(recent.Add(Header(1, 1, 1)));          // forgotten, so new again (pushes out 2)
        Assert.False(recent.Add(Header(3, 3, 3)));
        Assert.False(recent.Add(Header(5, 5, 5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecentMessages(0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(4096)]
    public void Recent_Messages_Answers_As_A_Set_Of_The_Last_N_Over_Many_Adds(int capacity)
    {
        // Against the plain model (a set and a queue): repeats, forgotten keys coming back, and
        // keys that differ in one field only, so probe runs form and are cut by removals.
        var recent = new RecentMessages(capacity);
        var model = new System.Collections.Generic.HashSet<(ulong, ulong, ulong)>();
        var queue = new System.Collections.Generic.Queue<(ulong, ulong, ulong)>();
        var random = new Random(capacity);
        int range = 3 * capacity + 5;
        for (int n = 0; n < 200_000; n++)
        {
            ulong a = (ulong)random.Next(range), b = (ulong)random.Next(3), c = (ulong)random.Next(2);
            bool expected = !model.Contains((a, b, c));
            if (expected)
            {
                if (queue.Count == capacity) model.Remove(queue.Dequeue());
                queue.Enqueue((a, b, c));
                model.Add((a, b, c));
            }
            Assert.Equal(expected, recent.Add(Header(a, b, c)));
        }
    }

    [Fact]
    public void Stops_Cleanly_While_The_Network_Is_Being_Retried()
    {
        // The interface never appears: the retry thread runs; stopping at any moment (before,
        // during or between attempts) must neither hang nor throw, and must be repeatable.
        string dir = Directory.CreateTempSubdirectory("lcgw-retry-").FullName;
        GatewayConfig config = GatewayConfig.Parse($"""
            config gateway
            	option interface 'lcgw-absent0'
            	option node 'retry'
            config subscribe
            	list channel 'site1/x/telemetry'
            config bridge
            	list ipv4 'site1/esp9/telemetry'
            config jsonl
            	option path '{dir}/readings.jsonl'
            config sensor
            	option type 'bme280'
            	option bus 'sim'
            	option interval '0.1'
            """, "retry.conf");
        var random = new Random(7);
        for (int round = 0; round < 12; round++)
        {
            var text = new StringWriter();
            var log = new Log(TextWriter.Synchronized(text), LogFormat.Text, LogLevel.Info);
            // Attempts back to back, so that a stop often lands in the middle of one.
            var gateway = new Gateway.Gateway(config, log) { NetworkRetry = TimeSpan.FromMilliseconds(1) };
            gateway.Start();
            System.Threading.Thread.Sleep(random.Next(0, 250));
            var clock = Stopwatch.StartNew();
            gateway.Dispose();
            gateway.Dispose(); // a second call is a no-op
            Assert.True(clock.ElapsedMilliseconds < 4000, $"Dispose took {clock.ElapsedMilliseconds} ms");
            string output = text.ToString();
            Assert.Contains("msg=\"network not ready; outputs and sensors run, retrying every 0.001 s\"", output);
            Assert.Contains("unknown interface 'lcgw-absent0'", output);
            Assert.Contains("msg=\"lcgw stopped\"", output);
            Assert.DoesNotContain("msg=\"network up\"", output);
        }
        // The sensor kept reaching the outputs without the network.
        Assert.Contains("urn:dev:lc:site1:retry:temperature", File.ReadAllText(Path.Combine(dir, "readings.jsonl")));
    }
}
