namespace Librecast
{
    /// <summary>What <see cref="GapDetector.Observe"/> made of one received sequence number.</summary>
    public enum GapVerdict
    {
        /// <summary>The highest so far (the first one seen, or later than all before): deliver.</summary>
        New = 0,
        /// <summary>A missing one that a NACK asked for: deliver (the repair).</summary>
        Repaired = 1,
        /// <summary>A missing one that came late before any NACK for it went out: deliver.</summary>
        Reordered = 2,
        /// <summary>Already received within the window (a second resend, or a copy): do not deliver.</summary>
        Duplicate = 3,
        /// <summary>Older than the window, or older than the first seen: deliver; whether it is a copy cannot be told.</summary>
        Late = 4,
        /// <summary>Several in a row far below the window: the sender restarted (or a forged seq pushed the window away); tracking starts again here. Deliver.</summary>
        Restarted = 5,
    }
}
