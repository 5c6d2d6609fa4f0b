using System;
using Librecast.Gateway.Config;
using Librecast.Gateway.Outputs;

namespace Librecast.Gateway;

// Delivery: a decoded pack, received or read from a local sensor, handed to every output; an
// output's failure never stops the others or the thread that delivers.
public sealed partial class Gateway
{
    private readonly Observation networkObservation = new();

    // Runs on the listener's dispatch thread only.
    private void DeliverReceived(Message message, Channel? channel)
    {
        Observation o = networkObservation;
        o.Channel = channel?.Name ?? (message.Info.HasDestination ? GroupAddress.Format(message.Info.Destination, 0) : "unknown");
        if (!networkDecoder.TryDecode(message.Buffer, message.PayloadOffset, message.PayloadLength))
        {
            if (log.Enabled(LogLevel.Debug))
                log.Debug("not SenML; counted and skipped", ("channel", o.Channel), ("reason", networkDecoder.LastError), ("detail", networkDecoder.LastErrorDetail));
            return;
        }
        o.Source = GroupAddress.Format(message.Info.Source, 0);
        o.Sequence = message.Header.Sequence;
        o.Records = networkDecoder.Records;
        o.Count = networkDecoder.Count;
        o.Payload = message.Buffer;
        o.PayloadOffset = message.PayloadOffset;
        o.PayloadLength = message.PayloadLength;
        Deliver(o);
    }

    private void Deliver(Observation o)
    {
        foreach (IOutput output in outputs)
        {
            try
            {
                output.Write(o);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // An output bug must not stop the others or the receive thread.
                log.Error("output failed", ("output", output.GetType().Name), ("error", e.Message));
            }
        }
    }
}
