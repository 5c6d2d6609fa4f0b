namespace Librecast.Nano
{
    /// <summary>One IPv6 membership change on one lwIP netif index: true if lwIP accepted it.</summary>
    public interface INetifMembership
    {
        /// <summary>Joins (or leaves) the group on lwIP netif <paramref name="index"/>; false if lwIP refused (no netif with that index).</summary>
        bool TryMembership(int index, bool join);
    }

    /// <summary>
    /// Finds the Wi-Fi station's lwIP netif index for an IPv6 join, never the loopback's.
    /// </summary>
    /// <remarks>
    /// <para>lwIP numbers netifs in the order they are added and never reuses a number while the
    /// stack runs: the loopback netif (CONFIG_LWIP_NETIF_LOOPBACK, on in the IPv6 image) is added
    /// first and is index 1; the station follows, and every CLR-only restart adds it again with a
    /// higher index (3, 4, ... well past 8). lo accepts every join, so "some index accepted" proves
    /// nothing, and a join on lo costs an MLD6 slot for nothing.</para>
    /// <para>So the station is the first index from 2 up to <see cref="MaxIndex"/> that accepts the
    /// join; only if none does is index 1 taken (an image without a loopback netif, where the
    /// station is 1). The index found is kept and tried first next time; if lwIP refuses it, the
    /// search starts again. Platform-free, so the host tests drive it with a model of lwIP.</para>
    /// </remarks>
    public sealed class StationNetif
    {
        /// <summary>Highest lwIP netif index searched (lwIP numbers up to 254).</summary>
        public const int MaxIndex = 254;

        private int known;

        /// <summary>The station's index found last, or 0.</summary>
        public int Known { get { return known; } }

        /// <summary>Joins on the station's index; returns it, or 0 if no index accepted.</summary>
        public int Join(INetifMembership netifs)
        {
            if (known != 0 && netifs.TryMembership(known, true)) return known;
            known = 0;
            for (int index = 2; index <= MaxIndex; index++)
            {
                if (!netifs.TryMembership(index, true)) continue;
                known = index;
                return index;
            }
            if (netifs.TryMembership(1, true)) known = 1;
            return known;
        }
    }
}
