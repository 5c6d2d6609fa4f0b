using Librecast.Sockets;

namespace Librecast.Tests.Support;

/// <summary>Our side of a network test: a context, a socket on a veth end, and the channel bound (and joined) there.</summary>
public static class Endpoints
{
    /// <summary>Opens the endpoint on the default wire (0.11), as lcgw, lc and the node twin speak unless told otherwise.</summary>
    public static (Context Ctx, Socket Socket, Channel Channel) Open(string iface, string channel, bool join) =>
        Open(iface, channel, join, WireProfile.Default);

    /// <summary>Opens the endpoint speaking <paramref name="wire"/> (0.5 where the peer is the system's librecast 0.5.1).</summary>
    public static (Context Ctx, Socket Socket, Channel Channel) Open(string iface, string channel, bool join, WireProfile wire)
    {
        var ctx = new Context(SocketsPlatform.Instance) { Wire = wire };
        Socket s = ctx.CreateSocket();
        s.Bind(Interfaces.Resolve(iface));
        Channel c = ctx.CreateChannel(channel);
        s.Bind(c);
        if (join) c.Join();
        return (ctx, s, c);
    }
}
