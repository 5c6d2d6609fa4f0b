using System.Collections.Generic;
using System.Threading;
using Librecast.Gateway.Config;
using Librecast.Gateway.Outputs;

namespace Librecast.Gateway;

/// <summary>Which way the IPv4/IPv6 bridge republishes a channel.</summary>
public enum BridgeDirection
{
    /// <summary>Not republished: delivered to the outputs only.</summary>
    None,

    /// <summary>An IPv4-only node's channel, republished on librecast's IPv6 group (<c>list ipv4</c>).</summary>
    Ipv4ToIpv6,

    /// <summary>A librecast IPv6 channel (commands), republished on the IPv4 group (<c>list command</c>).</summary>
    Ipv6ToIpv4,

    /// <summary><c>config migrate</c>, <c>list channel</c>: heard on the old wire's group, republished on the new wire's.</summary>
    OldToNewWire,

    /// <summary><c>config migrate</c>, <c>list command</c>: heard on the new wire's group, republished on the old wire's.</summary>
    NewToOldWire,
}

// Routing and the bridge loop guard: which received channel goes to the outputs, which is
// republished on the other address family, and how a copy that comes back is recognised.
public sealed partial class Gateway
{
    /// <summary>Messages the bridge remembers to recognise copies that come back.</summary>
    private const int BridgeMemory = 4096;

    /// <summary>
    /// What to do with a received channel: deliver its SenML to the outputs, and/or republish it
    /// on the other address family; Guarded: the name is bridged, so copies are recognised.
    /// </summary>
    private sealed record Route(bool Deliver, Channel? BridgeTo, BridgeDirection Direction, bool Guarded);

    private readonly RecentMessages bridgeSeen = new(BridgeMemory);
    private int bridgedUp, bridgedDown, migratedUp, migratedDown, bridgeErrors, bridgeDuplicates;

    private static string Label(BridgeDirection d) => d switch
    {
        BridgeDirection.Ipv4ToIpv6 => "ipv4_to_ipv6",
        BridgeDirection.Ipv6ToIpv4 => "ipv6_to_ipv4",
        BridgeDirection.OldToNewWire => "old_wire_to_new",
        BridgeDirection.NewToOldWire => "new_wire_to_old",
        _ => "none",
    };

    // Bridged as they are (never decrypted), and guarded against copies coming back.
    private bool IsBridged(string name) => config.BridgeUp.Contains(name) || config.BridgeDown.Contains(name) || config.IsMigrated(name);

    // One receive socket for everything: subscribed channels (delivered to the outputs), IPv4
    // telemetry channels (delivered, and republished on IPv6) and IPv6 command channels
    // (republished on IPv4). Message.Channel tells them apart. Every channel of a bridged name is
    // guarded: a message seen once is not forwarded or delivered again.
    private void BuildRoutes(Librecast.Socket subscriber, Librecast.Socket? publisher, Dictionary<Channel, Route> routes, byte[]? key, ref string step)
    {
        foreach (string name in config.Channels)
        {
            step = "subscribing to '" + name + "'";
            Channel channel = context!.CreateChannel(name, config.WireOf(name));
            if (key != null && !IsBridged(name)) channel.SetKey(key); // a bridged channel is republished as it is
            Restrict(channel, name); // Gateway.Restricted.cs
            Receive(subscriber, routes, channel, new Route(true, null, BridgeDirection.None, IsBridged(name)), "subscribed");
        }
        foreach (string name in config.BridgeUp)
        {
            step = "bridging '" + name + "' from IPv4 to IPv6";
            Channel to = context!.CreateChannel(name, config.WireOf(name));
            publisher!.Bind(to);
            Receive(subscriber, routes, context.CreateIpv4Channel(name), new Route(true, to, BridgeDirection.Ipv4ToIpv6, true), "bridging IPv4 to IPv6");
        }
        foreach (string name in config.BridgeDown)
        {
            step = "bridging '" + name + "' from IPv6 to IPv4";
            Channel to = context!.CreateIpv4Channel(name);
            publisher!.Bind(to);
            Channel? from = null;
            foreach (Channel c in routes.Keys)
                if (c.Name == name && !Ipv4Group.IsMapped(GroupOf(c), 0)) from = c;
            if (from != null) routes[from] = routes[from] with { BridgeTo = to, Direction = BridgeDirection.Ipv6ToIpv4 };
            else Receive(subscriber, routes, context.CreateChannel(name, config.WireOf(name)), new Route(false, to, BridgeDirection.Ipv6ToIpv4, true), "bridging IPv6 to IPv4");
        }
        // Wire migration: the same name on two librecast wires, two groups. The old wire's
        // messages reach the outputs and are republished on the new wire; commands go back.
        foreach (MigratedChannel m in config.MigrateUp)
        {
            step = "migrating '" + m.Name + "' from wire " + m.Old.Name + " to " + m.New.Name;
            Channel to = context!.CreateChannel(m.Name, m.New);
            publisher!.Bind(to);
            ReceiveOrBridge(subscriber, routes, context.CreateChannel(m.Name, m.Old), new Route(true, to, BridgeDirection.OldToNewWire, true),
                "migrating wire " + m.Old.Name + " to " + m.New.Name);
        }
        foreach (MigratedChannel m in config.MigrateDown)
        {
            step = "migrating commands '" + m.Name + "' from wire " + m.New.Name + " to " + m.Old.Name;
            Channel to = context!.CreateChannel(m.Name, m.Old);
            publisher!.Bind(to);
            ReceiveOrBridge(subscriber, routes, context.CreateChannel(m.Name, m.New), new Route(false, to, BridgeDirection.NewToOldWire, true),
                "migrating commands, wire " + m.New.Name + " to " + m.Old.Name);
        }
    }

    // A group already received (a subscribed channel on the new wire, say) gains the bridge;
    // binding a second channel on the same group would leave one of them unheard.
    private void ReceiveOrBridge(Librecast.Socket subscriber, Dictionary<Channel, Route> routes, Channel channel, Route route, string what)
    {
        byte[] group = GroupOf(channel);
        foreach (Channel c in routes.Keys)
        {
            if (!GroupAddress.Equal(GroupOf(c), 0, group, 0) || c.Port != channel.Port) continue;
            routes[c] = routes[c] with { BridgeTo = route.BridgeTo, Direction = route.Direction, Guarded = true };
            log.Info(what, ("channel", channel.Name), ("group", channel.Address));
            return;
        }
        Receive(subscriber, routes, channel, route, what);
    }

    private void Receive(Librecast.Socket subscriber, Dictionary<Channel, Route> routes, Channel channel, Route route, string what)
    {
        subscriber.Bind(channel);
        channel.Join();
        StartGapRepair(channel); // Gateway.Nack.cs
        routes[channel] = route;
        log.Info(what, ("channel", channel.Name), ("group", channel.Address));
    }

    private static byte[] GroupOf(Channel c)
    {
        byte[] g = new byte[GroupAddress.Size];
        c.CopyGroupTo(g, 0);
        return g;
    }

    // Runs on the listener's dispatch thread only.
    private void OnMessage(Message message, Dictionary<Channel, Route> routes)
    {
        Channel? channel = message.Channel;
        Route? route = null;
        if (channel != null) routes.TryGetValue(channel, out route);
        if (route != null && route.Guarded && !bridgeSeen.Add(message.Header))
        {
            // The same message again (same time, sequence and nonce): a copy another bridge sent
            // back, or one a loop in the network returned. Bridging it would start a loop.
            Interlocked.Increment(ref bridgeDuplicates);
            if (log.Enabled(LogLevel.Debug))
                log.Debug("bridge: message seen before; not forwarded or delivered again", ("channel", channel!.Name), ("group", channel.Address),
                    ("seq", message.Header.Sequence), ("source", GroupAddress.Format(message.Info.Source, 0)));
            return;
        }
        if (route?.BridgeTo != null) Bridge(message, route);
        if (route != null && !route.Deliver) return;
        DeliverReceived(message, channel);
    }

    // Republishes the datagram as received, header and all, on the same name in the other address
    // family: subscribers see the node's own sequence numbers and time, and a copy that comes
    // back is recognised by its header (RecentMessages). Queued as a raw datagram on the bridge
    // socket's send ring (copied once, into the slab, not stamped again); SendBridged sends the
    // batch's datagrams after the receive batch, and a send the network refuses reaches
    // OnBridgeSendError. The counts below are of datagrams queued for sending.
    private void Bridge(Message message, Route route)
    {
        try
        {
            route.BridgeTo!.Send(message.Buffer, message.Offset, message.Length);
            switch (route.Direction)
            {
                case BridgeDirection.Ipv4ToIpv6: Interlocked.Increment(ref bridgedUp); break;
                case BridgeDirection.Ipv6ToIpv4: Interlocked.Increment(ref bridgedDown); break;
                case BridgeDirection.OldToNewWire: Interlocked.Increment(ref migratedUp); break;
                default: Interlocked.Increment(ref migratedDown); break;
            }
        }
        catch (LibrecastException e)
        {
            Interlocked.Increment(ref bridgeErrors);
            log.Warn("bridge send failed", ("channel", route.BridgeTo!.Name), ("direction", Label(route.Direction)), ("error", e.Message));
        }
    }

    // The listener's dispatch thread, after each receive batch: the bridge socket's one writer
    // sends what the batch queued (one sendmmsg, consecutive datagrams to one channel as one GSO send).
    private void SendBridged(Publisher bridgeSends)
    {
        while (bridgeSends.DoWork() > 0) { }
    }

    // A queued bridge datagram the network refused (dropped, counted in lc_transport_send_errors_total too).
    private void OnBridgeSendError(LibrecastException e)
    {
        Interlocked.Increment(ref bridgeErrors);
        log.Warn("bridge send failed", ("error", e.Message));
    }

    private void OnReceiveError(LibrecastException e)
    {
        // Counted by the core (lc_transport_receive_errors_total); here it is only logged.
        log.Warn("receive failed; still listening", ("error", e.Message));
    }
}
