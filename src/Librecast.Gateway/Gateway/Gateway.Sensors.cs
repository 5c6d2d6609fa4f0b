using System;
using System.Collections.Generic;
using System.Threading;
using Librecast.Gateway.Config;
using Librecast.Gateway.Outputs;
using Librecast.Sensors;

namespace Librecast.Gateway;

// Sensor scheduling: each local sensor read at its own interval on the monotonic clock, its
// pack published on its channel and handed to the outputs.
public sealed partial class Gateway
{
    private readonly Observation localObservation = new();
    private Senml.SenmlRecord[] localRecords = [];
    private int localPublished, localSendErrors;
    private LibrecastException? sensorSendError; // set by the sending socket's SendErrorHandler

    // Schedules on the monotonic clock: a Pi without a real-time clock steps its wall clock at
    // boot (NTP), which must not stall or bunch the readings. Each reading's own time is wall clock.
    private void SensorLoop()
    {
        var next = new long[pollers.Count]; // Environment.TickCount64 when each sensor is due
        var lastError = new string?[pollers.Count];
        WaitHandle stop = shutdown.Token.WaitHandle;
        while (!shutdown.IsCancellationRequested)
        {
            long soonest = long.MaxValue;
            for (int i = 0; i < pollers.Count && !shutdown.IsCancellationRequested; i++)
            {
                long now = Environment.TickCount64;
                if (now >= next[i])
                {
                    PollOne(i, ref lastError[i]);
                    next[i] = now + (long)(config.Sensors[i].IntervalSeconds * 1000);
                }
                if (next[i] < soonest) soonest = next[i];
            }
            long wait = soonest - Environment.TickCount64;
            if (wait > 0) stop.WaitOne(TimeSpan.FromMilliseconds(wait));
        }
    }

    // Reused records for the sensor thread's readings (grown once to the largest reading set).
    private Senml.SenmlRecord[] LocalRecords(IReadOnlyList<Reading> readings, double time, out int count)
    {
        if (localRecords.Length < readings.Count)
        {
            var grown = new Senml.SenmlRecord[readings.Count];
            for (int i = 0; i < grown.Length; i++) grown[i] = i < localRecords.Length ? localRecords[i] : new Senml.SenmlRecord();
            localRecords = grown;
        }
        count = 0;
        foreach (Reading r in readings)
        {
            if (!double.IsFinite(r.Value)) continue; // not sent either (SenML JSON cannot carry it)
            Senml.SenmlRecord record = localRecords[count++];
            record.ShortName = r.Name;
            record.Name = localBaseName + r.Name;
            record.Unit = string.IsNullOrEmpty(r.Unit) ? null : r.Unit;
            record.Kind = Senml.SenmlValueKind.Number;
            record.Number = Math.Round(r.Value, r.Decimals);
            record.Text = null;
            record.Boolean = false;
            record.HasSum = false;
            record.Sum = 0;
            record.Time = time;
        }
        return localRecords;
    }

    private void PollOne(int i, ref string? lastError)
    {
        SensorPoller poller = pollers[i];
        LocalSensorConfig sensor = config.Sensors[i];
        IReadOnlyList<Reading>? readings = poller.Poll();
        if (readings == null)
        {
            // Log when the problem starts or changes, not every interval.
            if (poller.LastError != lastError)
                log.Warn("sensor unavailable; will retry", ("sensor", sensor.Name), ("error", poller.LastError),
                    ("retry_seconds", sensor.IntervalSeconds));
            lastError = poller.LastError;
            return;
        }
        if (lastError != null || poller.Reads == 1) log.Info("sensor reading", ("sensor", sensor.Name), ("device", poller.Spec.ToString()));
        lastError = null;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        int length = encoder!.Encode(now, readings);
        byte[] payload = encoder.Buffer;
        ulong sequence = 0;
        Channel? channel = null;
        NetworkState? net = network; // one read: null until the network is up, then never changes
        if (net != null && net.SensorChannels.TryGetValue(sensor.Channel, out channel))
        {
            try
            {
                // Through the sending socket's ring (single writer: this thread), sent right away:
                // stamped, numbered and sealed by DoWork; a refused send comes back through
                // sensorSendError (the socket's SendErrorHandler, called within DoWork).
                sensorSendError = null;
                channel!.SendMessage(payload, 0, length);
                Publisher? ring = channel.Socket?.Publisher;
                if (ring != null) while (ring.DoWork() > 0) { }
                LibrecastException? refused = Interlocked.Exchange(ref sensorSendError, null);
                if (refused != null) throw refused;
                sequence = channel.Sequence;
                Interlocked.Increment(ref localPublished);
            }
            catch (LibrecastException e)
            {
                Interlocked.Increment(ref localSendErrors);
                log.Warn("sensor publish failed", ("sensor", sensor.Name), ("channel", sensor.Channel), ("error", e.Message));
            }
        }
        else Interlocked.Increment(ref localSendErrors); // network not up yet: the reading still reaches the outputs
        // To the outputs straight from the readings: the same values, units and time as the pack
        // just sent (rounded as it rounds them), without decoding our own JSON again.
        Observation o = localObservation;
        o.Channel = sensor.Channel;
        o.Source = "local";
        o.Sequence = sequence;
        o.Records = LocalRecords(readings, now / 1000.0, out o.Count);
        o.Payload = payload;
        o.PayloadOffset = 0;
        o.PayloadLength = length;
        Deliver(o);
    }
}
