using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Librecast;
using Librecast.Crypto;
using Librecast.Security;
using Librecast.Tests.Support;

namespace Librecast.Benchmarks;

/// <summary>
/// The core's per-message work with the network taken out (a transport that discards), so the
/// figures are the runtime's own cost: publish (rent, frame, enqueue), drain (stamp, batch,
/// return), frame decode, and the ring itself. MemoryDiagnoser must show 0 B per operation.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private Channel channel = null!;
    private Publisher publisher = null!;
    private readonly byte[] payload = new byte[64];
    private readonly byte[] datagram = new byte[97];
    private readonly FrameHeader header = new();
    private readonly IndexRing ring = new(1024);
    private DatagramClassifier classifier = null!;
    private Message received = null!;
    private Channel[] bound = null!;
    private Channel sealedChannel = null!;
    private Channel signedChannel = null!;
    private Publisher sealedPublisher = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ctx = new Context(new NullPlatform());
        Socket socket = ctx.CreateSocket();
        channel = ctx.CreateChannel("bench");
        socket.Bind(channel);
        publisher = socket.StartPublisher(new PublisherOptions { Capacity = 1024, BufferSize = 128, StartThread = false });
        Frame.Encode(datagram, 0, 1, 1, 1, Opcode.Data, payload, 0, 64);
        classifier = new DatagramClassifier(ctx);
        bound = new[] { ctx.CreateChannel("other"), channel };
        received = new Message(128);
        Array.Copy(datagram, received.Buffer, datagram.Length);
        channel.CopyGroupTo(received.Info.Destination, 0);
        received.Info.HasDestination = true;

        // Encrypted (SYMM) and restricted (token) channels on a second socket: sealed and signed
        // in place in its send ring as sent.
        Socket sealedSocket = ctx.CreateSocket();
        sealedChannel = ctx.CreateChannel("bench/sealed");
        signedChannel = ctx.CreateChannel("bench/signed");
        sealedSocket.Bind(sealedChannel);
        sealedSocket.Bind(signedChannel);
        sealedChannel.SetKey(new byte[32]);
        signedChannel.SetKey(new byte[32]);
        var ed = new Ed25519();
        byte[] signer = new byte[32], signerPk = new byte[32], bearer = new byte[32], bearerPk = new byte[32], hash = new byte[32];
        signer[0] = 1;
        bearer[0] = 2;
        ed.PublicKey(signer, 0, signerPk, 0);
        ed.PublicKey(bearer, 0, bearerPk, 0);
        signedChannel.CopyHashTo(hash, 0);
        byte[] token = new byte[Token.Size];
        Token.Issue(ed, signer, 0, signerPk, 0, bearerPk, 0, hash, 0, Token.Write, 0, token, 0);
        signedChannel.SetToken(token, 0, bearer, 0);
        sealedPublisher = sealedSocket.StartPublisher(new PublisherOptions { Capacity = 1024, BufferSize = 512, StartThread = false });
    }

    /// <summary>The receive path's per-datagram work after recvmmsg: match the channel, decode, count.</summary>
    [Benchmark]
    public ReceiveResult ClassifyDatagram() => classifier.Classify(received, datagram.Length, true, bound);

    /// <summary>64 messages published and sent in one batch: per-operation figures are per 64 messages.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public int PublishAndSend64B()
    {
        for (int i = 0; i < 64; i++) channel.Publish(payload, 0, payload.Length);
        return publisher.DoWork();
    }

    /// <summary>As <see cref="PublishAndSend64B"/> on an encrypted channel: each frame sealed (XSalsa20-Poly1305) in place in the send ring.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public int PublishSealedAndSend64B()
    {
        for (int i = 0; i < 64; i++) sealedChannel.Publish(payload, 0, payload.Length);
        return sealedPublisher.DoWork();
    }

    /// <summary>An encrypted restricted channel: sealed, then the token and an Ed25519ph signature added in place; per message.</summary>
    [Benchmark(OperationsPerInvoke = 8)]
    public int PublishSealedSignedAndSend64B()
    {
        for (int i = 0; i < 8; i++) signedChannel.Publish(payload, 0, payload.Length);
        return sealedPublisher.DoWork();
    }

    [Benchmark]
    public FrameStatus DecodeFrame() => Frame.TryDecode(datagram, 0, datagram.Length, header);

    [Benchmark]
    public int RingEnqueueDequeue()
    {
        ring.TryEnqueue(7);
        ring.TryDequeue(out int v);
        return v;
    }

    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmarks).Assembly).Run(args);
}
