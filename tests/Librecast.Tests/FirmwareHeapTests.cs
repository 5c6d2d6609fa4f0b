using System.Collections.Generic;
using Librecast.Tests.Support;
using LibrecastIoT.Sensor;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Issue 24 point 4: the node reports the managed heap's free bytes on each "network back" line
/// (on the device nanoFramework.Runtime.Native's GC.Run(false), Device/NativeHeap.cs), which
/// tests/nano/boards reads across ten drops of the real image. Here: the line's form, asked once
/// per re-join, and nothing added without a gauge (the host twin).
/// </summary>
public class FirmwareHeapTests
{
    private sealed class Recorder : INodeLog, IIndicator
    {
        public readonly List<string> Lines = new();
        public void Line(string text) => Lines.Add(text);
        public void Set(bool on) { }
    }

    private sealed class Link : INetworkLink
    {
        public bool Up = true;
        public bool IsUp() => Up;
        public bool WaitUp(int timeoutMs) => Up;
        public string Describe() => Up ? "up" : "down";
    }

    private sealed class Gauge : IHeapGauge
    {
        public long Free = 100_000;
        public int Asked;
        public long FreeBytesAfterCollection() { Asked++; return Free -= 8; }
    }

    private static List<string> Flap(IHeapGauge? gauge, int times)
    {
        var platform = new MemoryPlatform();
        using var ctx = new Context(platform);
        var settings = new NodeSettings { Site = "site1", Node = "n1", IntervalSeconds = 10, Ipv6 = true };
        var rec = new Recorder();
        var link = new Link();
        var node = new SensorNode(ctx, settings, new SimulatedBme280Source(7), rec, rec, link) { Heap = gauge };
        node.Start();
        node.RunOnce(0);
        for (int i = 0; i < times; i++)
        {
            link.Up = false;
            node.RunOnce(0);
            link.Up = true;
            node.RunOnce(0);
        }
        return rec.Lines.FindAll(l => l.Contains("network back"));
    }

    [Fact]
    public void Each_Network_Back_Line_Carries_The_Free_Heap_After_A_Collection()
    {
        var gauge = new Gauge();
        List<string> back = Flap(gauge, 3);
        Assert.Equal(3, gauge.Asked); // once per re-join, never per reading
        Assert.Equal(3, back.Count);
        for (int i = 0; i < 3; i++) // "... joined 'site1/n1/cmd' ([group]:port) again (N re-joins); heap N B free"
            Assert.Matches(@"^node n1: network back, joined 'site1/n1/cmd' .* again \(" + (i + 1) + @" re-joins\); heap " + (100_000 - 8 * (i + 1)) + " B free$", back[i]);
    }

    [Fact]
    public void Without_A_Gauge_The_Line_Is_As_Before()
    {
        List<string> back = Flap(null, 1);
        Assert.Single(back);
        Assert.Matches(@"^node n1: network back, joined 'site1/n1/cmd' .* again \(1 re-joins\)$", back[0]);
    }
}
