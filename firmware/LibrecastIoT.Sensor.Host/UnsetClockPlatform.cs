using Librecast;

namespace LibrecastIoT.Sensor;

/// <summary>
/// <c>sensornode --clock unset</c>: the twin started as a board is after power-on, with no trusted
/// time and no SNTP answer. Its wall clock is 1970-01-01 plus the time since start (an ESP32's
/// RTC before SNTP); sockets, the monotonic clock and randomness are the host's.
/// </summary>
public sealed class UnsetClockPlatform(IPlatform inner) : IPlatform
{
    private readonly long startMs = inner.MonotonicMilliseconds();

    /// <inheritdoc/>
    public ulong NowNanoseconds() => (ulong)(inner.MonotonicMilliseconds() - startMs) * 1_000_000UL;

    /// <inheritdoc/>
    public ITransport OpenTransport() => inner.OpenTransport();

    /// <inheritdoc/>
    public long MonotonicMilliseconds() => inner.MonotonicMilliseconds();

    /// <inheritdoc/>
    public void FillRandom(byte[] buffer, int offset, int count) => inner.FillRandom(buffer, offset, count);
}
