using System;
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using NetSocket = System.Net.Sockets.Socket;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// MQTT over plain TCP, and nothing else: the client adapter factory <see cref="MqttBridge"/>
/// gives MQTTnet instead of its default one.
/// </summary>
/// <remarks>
/// MQTTnet's default factory can open TCP with TLS and WebSocket connections, so its code brings
/// <c>SslStream</c>, the X.509 and ASN.1 code behind it and <c>ClientWebSocket</c> with the HTTP
/// client into the image: about 1.2 MB of a static lcgw (docs/deploy.md, "Where the bytes go"),
/// none of which a static image can use (TLS needs OpenSSL, which it cannot load) or that lcgw
/// offers (its config has no TLS or WebSocket option). This one builds the same adapter on a
/// plain socket.
/// </remarks>
internal sealed class PlainMqttAdapterFactory : IMqttClientAdapterFactory
{
    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChannelOptions is not MqttClientTcpOptions tcp || tcp.RemoteEndpoint is null || tcp.TlsOptions?.UseTls == true)
            throw new NotSupportedException("lcgw speaks MQTT over plain TCP only");
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        return new MqttChannelAdapter(new PlainTcpChannel(tcp.RemoteEndpoint), formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }

    /// <summary>One TCP connection to the broker.</summary>
    private sealed class PlainTcpChannel(EndPoint remote) : IMqttChannel
    {
        private NetSocket? socket;
        private NetworkStream? stream;

        public X509Certificate2? ClientCertificate => null;

        public EndPoint RemoteEndPoint => socket?.RemoteEndPoint ?? remote;

        public EndPoint? LocalEndPoint => socket?.LocalEndPoint;

        public bool IsSecureConnection => false;

        public async Task ConnectAsync(CancellationToken cancellationToken)
        {
            // Dual mode where the host has IPv6 (the broker may be an IPv4 or IPv6 address or name), as MQTTnet's own channel.
            var s = new NetSocket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await s.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                s.Dispose();
                throw;
            }
            socket = s;
            stream = new NetworkStream(s, ownsSocket: true);
        }

        public Task DisconnectAsync(CancellationToken cancellationToken)
        {
            Dispose();
            return Task.CompletedTask;
        }

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Stream.ReadAsync(buffer, offset, count, cancellationToken);

        public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            NetworkStream s = Stream;
            foreach (ReadOnlyMemory<byte> segment in buffer)
                await s.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }

        private NetworkStream Stream => stream ?? throw new MqttCommunicationException("not connected to the broker");

        public void Dispose()
        {
            stream?.Dispose();
            stream = null;
            socket = null;
        }
    }
}
