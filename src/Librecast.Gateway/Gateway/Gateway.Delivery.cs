using System;
using Librecast.Gateway.Config;
using Librecast.Gateway.Outputs;

namespace Librecast.Gateway;

// Delivery: a decoded pack, received or read from a local sensor, handed to every output; an
// output's failure never stops the others or the thread that delivers.
public sealed partial class Gateway
{
    private readonly Observation networkObservation = new();
    // Senders' and groups' addresses as text, made once per address (dispatch thread only).
    private readonly Senml.Utf8Strings addresses = new(256, 2048);

    // Runs on the listener's dispatch thread only.
    private void DeliverReceived(Message message, Channel? channel)
    {
        Observation o = networkObservation;
        o.Channel = channel?.Name ?? (message.Info.HasDestination ? AddressText(message.Info.Destination) : "unknown");
        if (!networkDecoder.TryDecode(message.Buffer, message.PayloadOffset, message.PayloadLength))
        {
            if (log.Enabled(LogLevel.Debug))
                log.Debug("not SenML; counted and skipped", ("channel", o.Channel), ("reason", networkDecoder.LastError), ("detail", networkDecoder.LastErrorDetail));
            return;
        }
        o.Source = AddressText(message.Info.Source);
        o.Sequence = message.Header.Sequence;
        o.Records = networkDecoder.Records;
        o.Count = networkDecoder.Count;
        o.Payload = message.Buffer;
        o.PayloadOffset = message.PayloadOffset;
        o.PayloadLength = message.PayloadLength;
        Deliver(o, true);
    }

    // GroupAddress.Format of a 16-byte address, the same string again for the same address.
    private string AddressText(byte[] address)
    {
        ReadOnlySpan<byte> key = new ReadOnlySpan<byte>(address, 0, GroupAddress.Size);
        string? text = addresses.Find(key, out int hash);
        if (text != null) return text;
        text = GroupAddress.Format(address, 0);
        addresses.Keep(key, hash, text);
        return text;
    }

    // inBatch: the receive thread's, whose JSON lines wait for the end of its batch (EndBatch).
    private void Deliver(Observation o, bool inBatch = false)
    {
        foreach (IOutput output in outputs)
        {
            try
            {
                if (inBatch && output is JsonLinesOutput jsonl) jsonl.WriteInBatch(o);
                else output.Write(o);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // An output bug must not stop the others or the receive thread.
                log.Error("output failed", ("output", output.GetType().Name), ("error", e.Message));
            }
        }
    }

    // The receive thread, after each receive batch: the batch's JSON lines in one write.
    private void EndBatch()
    {
        foreach (IOutput output in outputs)
        {
            if (output is not JsonLinesOutput jsonl) continue;
            try
            {
                jsonl.EndBatch();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log.Error("output failed", ("output", output.GetType().Name), ("error", e.Message));
            }
        }
    }
}
