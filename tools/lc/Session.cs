using System;
using Librecast;
using Librecast.Sockets;

namespace Librecast.Cli;

/// <summary>What every lc command starts with: a context, a socket on the chosen interface, and the channel bound to it.</summary>
internal sealed class Session : IDisposable
{
    public readonly Context Context;
    public readonly Socket Socket;
    public readonly Channel Channel;

    public Session(int ifindex, string channelName, int hopLimit = 255)
    {
        Context = new Context(SocketsPlatform.Instance);
        Socket = Context.CreateSocket();
        Socket.Bind(ifindex);
        Socket.HopLimit = hopLimit;
        Channel = Context.CreateChannel(channelName);
        Socket.Bind(Channel);
    }

    public void Dispose() => Context.Dispose();
}
