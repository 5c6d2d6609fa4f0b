using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>The one counter table: names, help, 64-bit totals that never go backwards.</summary>
public class CountersTests
{
    [Fact]
    public void Table_Names_Every_Counter_Once_And_ToString_Shows_Them_All()
    {
        var names = new HashSet<string>();
        var c = new Counters();
        string line = c.ToString();
        for (int i = 0; i < Counters.Count; i++)
        {
            string name = Counters.NameOf((Counter)i);
            Assert.Matches("^[a-z_]+$", name);
            Assert.True(names.Add(name), "duplicate counter name " + name);
            Assert.False(string.IsNullOrWhiteSpace(Counters.HelpOf((Counter)i)));
            Assert.Contains(name + "=0", line);
        }
        Assert.Equal(Counters.Count, Enum.GetValues<Counter>().Length);
    }

    [Fact]
    public void Every_Counter_Summary_Is_Its_Help_Word_For_Word()
    {
        // The help texts are the table's; the Counter members' XML summaries (what an IDE shows)
        // must say the same, so the two cannot drift apart again.
        string xml = Path.Combine(Path.GetDirectoryName(typeof(Counters).Assembly.Location)!, "Librecast.xml");
        Assert.True(File.Exists(xml), "no " + xml + " (GenerateDocumentationFile in src/Librecast)");
        var doc = System.Xml.Linq.XDocument.Load(xml);
        foreach (Counter c in Enum.GetValues<Counter>())
        {
            var member = doc.Descendants("member").FirstOrDefault(m => (string?)m.Attribute("name") == "F:Librecast.Counter." + c);
            Assert.True(member != null, "no XML doc for Counter." + c);
            string summary = string.Join(" ", member!.Element("summary")!.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(Counters.HelpOf(c), summary);
        }
    }

    [Fact]
    public void Totals_Go_Past_2_To_The_32_Exactly()
    {
        var c = new Counters();
        for (int i = 0; i < 5; i++) c.Add(Counter.Sent, int.MaxValue);
        c.Increment(Counter.Sent);
        Assert.Equal(5L * int.MaxValue + 1, c.Sent);
        Assert.Contains("sent=" + (5L * int.MaxValue + 1), c.ToString());
    }

    [Fact]
    public void Concurrent_Writers_Across_The_Wrap_Leave_An_Exact_Monotonic_Total()
    {
        var c = new Counters();
        // Start 2 events short of 2^32: the writers cross it while a reader checks that no total
        // it sees ever goes backwards.
        c.Add(Counter.Received, int.MaxValue);
        c.Add(Counter.Received, int.MaxValue);
        long start = c.Received;
        Assert.Equal((1L << 32) - 2, start);
        const int writers = 4, each = 500_000;
        bool stop = false;
        long backwards = 0, reads = 0;
        var reader = new Thread(() =>
        {
            long last = 0;
            while (!Volatile.Read(ref stop))
            {
                long now = c.Received;
                if (now < last) backwards++;
                last = now;
                reads++;
            }
        });
        reader.Start();
        var threads = new Thread[writers];
        for (int t = 0; t < writers; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < each; i++)
                {
                    if ((i & 7) == id % 2) c.Add(Counter.Received, 3);
                    else c.Increment(Counter.Received);
                }
            });
            threads[t].Start();
        }
        long expected = start;
        for (int t = 0; t < writers; t++)
        {
            threads[t].Join();
            int adds = 0;
            for (int i = 0; i < each; i++) if ((i & 7) == t % 2) adds++;
            expected += adds * 3L + (each - adds);
        }
        Volatile.Write(ref stop, true);
        reader.Join();
        Assert.Equal(expected, c.Received);
        Assert.Equal(0, backwards);
        Assert.True(reads > 0);
    }

    [Fact]
    public void Kernel_Drop_Count_Wrapping_At_32_Bits_Still_Adds_Up()
    {
        var c = new Counters();
        int last = 0;
        c.AddKernelDrops(ref last, int.MaxValue);
        c.AddKernelDrops(ref last, unchecked(int.MaxValue + 10)); // the kernel's u32 went past 2^31
        c.AddKernelDrops(ref last, 5);                            // ... and wrapped past 2^32
        Assert.Equal((1L << 32) + 5, c.KernelDrops);
        c.AddKernelDrops(ref last, 5);                            // no change, nothing added
        Assert.Equal((1L << 32) + 5, c.KernelDrops);
    }

    [Fact]
    public void Kernel_Drops_Read_On_A_Quiet_Poll_Are_Counted_Once_Though_The_Last_Datagram_Carried_An_Older_Count()
    {
        // The listener's receive loop: the last datagram delivered carried the count when it was
        // queued (100); the sender went on and the kernel dropped 50 more with no datagram after
        // them, which each quiet poll reads from the socket (150) after observing the batch's
        // (stale) 100 again. Those 50 are counted once, not once a poll (lcgw's drops read higher
        // than the packs lost in tools/bench/run before).
        var c = new Counters();
        int last = 0;
        c.AddKernelDrops(ref last, 100);
        for (int poll = 0; poll < 5; poll++)
        {
            c.AddKernelDrops(ref last, 100); // the last batch's SO_RXQ_OVFL, observed again
            c.AddKernelDrops(ref last, 150); // SO_MEMINFO on the quiet poll
        }
        Assert.Equal(150, c.KernelDrops);
        c.AddKernelDrops(ref last, 151); // the next datagram's count, one more drop
        Assert.Equal(151, c.KernelDrops);
    }

    [Fact]
    public void DropWrite_Is_The_Default_Policy_And_Refuses_The_Message_Being_Written()
    {
        Assert.Equal(OverflowPolicy.DropWrite, new PublisherOptions().Policy);
        var platform = new NullPlatform();
        using var ctx = new Context(platform);
        Socket s = ctx.CreateSocket();
        Channel ch = ctx.CreateChannel("policy");
        s.Bind(ch);
        s.StartPublisher(new PublisherOptions { Capacity = 2, BufferSize = 64, StartThread = false });
        byte[] p = { 1 };
        Assert.True(ch.Publish(p, 0, 1));
        Assert.True(ch.Publish(p, 0, 1));
        Assert.False(ch.Publish(p, 0, 1));
        Assert.Equal(1, ctx.Counters.Dropped);
        Assert.Equal(2, s.Publisher!.Queued); // what was queued stays queued
    }
}
