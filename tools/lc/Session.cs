using System;
using Librecast;
using Librecast.Files;
using Librecast.Sockets;

namespace Librecast.Cli;

/// <summary>What every lc command starts with: a context, a socket on the chosen interface, and the channel bound to it.</summary>
internal sealed class Session : IDisposable
{
    public readonly Context Context;
    public readonly Socket Socket;
    public readonly Channel Channel;

    public Session(int ifindex, string channelName, int hopLimit = 255, string? keyFile = null)
    {
        // The key first: a bad key file is the user's mistake, reported before any socket opens.
        byte[]? key = keyFile == null ? null : UserKeyFile.Read(keyFile);
        try
        {
            Context = new Context(SocketsPlatform.Instance) { Wire = Program.Wire };
            Socket = Context.CreateSocket();
            Socket.Bind(ifindex);
            Socket.HopLimit = hopLimit;
            Channel = Context.CreateChannel(channelName);
            if (key != null) Channel.SetKey(key);
            Restricted.Apply(Channel); // --token/--key or --keyring (Restricted.cs)
            Socket.Bind(Channel);
        }
        finally
        {
            // The channel keeps its own copy; ours is wiped on every path, a failed set-up too.
            if (key != null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    public void Dispose() => Context.Dispose();
}

/// <summary>What <c>lc listen</c> checks beyond framing: the channel key and the replay window.</summary>
internal sealed record ListenSecurity(string? KeyFile, bool Replay, double? MaxAgeSeconds)
{
    /// <summary>Checks the options (a usage error if they are wrong) and opens the session with them.</summary>
    public Session Open(int ifindex, string channelName)
    {
        if (MaxAgeSeconds is double age && (age <= 0 || age > 1e6))
            throw new UsageException($"--max-age must be between 0 and 1000000 seconds (got {age})");
        var session = new Session(ifindex, channelName, keyFile: KeyFile);
        if (Replay)
        {
            // The same set-up as lcgw's option replay; encrypted, it also catches replays from a spoofed source.
            Librecast.Security.ReplayDefaults.Apply(session.Socket, MaxAgeSeconds is double s ? (ulong)(s * 1e9) : 0, KeyFile != null);
        }
        return session;
    }

    /// <summary>The replay window's figures, or null without --replay.</summary>
    public static string? Summary(Session session) =>
        session.Socket.ReplayWindow is { } w ? "replay " + w + (session.Socket.NonceFilter is { } f ? " " + f : "") : null;
}

/// <summary>Key files named on the command line: what is wrong with one is the user's to fix (exit 2).</summary>
internal static class UserKeyFile
{
    public static void Check(string? path)
    {
        try { KeyFile.Check(path); }
        catch (LibrecastException e) { throw new UsageException(e.Message); }
    }

    public static byte[] Read(string path)
    {
        try { return KeyFile.Read(path); }
        catch (LibrecastException e) { throw new UsageException(e.Message); }
    }
}
