using Librecast.Sockets;

namespace Librecast.Tests.Support;

/// <summary>Our side of a network test: a context, a socket on a veth end, and the channel bound (and joined) there.</summary>
public static class Endpoints
{
    public static (Context Ctx, Socket Socket, Channel Channel) Open(string iface, string channel, bool join)
    {
        var ctx = new Context(SocketsPlatform.Instance);
        Socket s = ctx.CreateSocket();
        s.Bind(Interfaces.Resolve(iface));
        Channel c = ctx.CreateChannel(channel);
        s.Bind(c);
        if (join) c.Join();
        return (ctx, s, c);
    }
}
