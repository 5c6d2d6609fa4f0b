using System;
using System.Collections.Generic;

namespace Librecast.Tests.Support;

/// <summary>
/// Strings that collide in a table hashed by something a test cannot choose (a per-process seed,
/// object identities): made one after another until enough fall in one bucket, so the test does
/// not hope for a collision, and does not fail for lack of one.
/// </summary>
internal static class SameBucket
{
    /// <summary>
    /// <paramref name="count"/> of make(0), make(1)... whose <paramref name="hash"/> falls in one
    /// of <paramref name="buckets"/> buckets; with <paramref name="grownBuckets"/>, no more than
    /// <paramref name="ways"/> of them in one bucket of that many (a table grown that far keeps them all).
    /// </summary>
    public static List<string> Find(int count, int buckets, Func<string, int> hash, Func<int, string> make, int grownBuckets = 0, int ways = 0)
    {
        var byBucket = new Dictionary<int, List<(string Text, int Hash)>>();
        for (int k = 0; ; k++)
        {
            string s = make(k);
            int h = hash(s);
            if (!byBucket.TryGetValue(h & (buckets - 1), out var list)) byBucket[h & (buckets - 1)] = list = new List<(string, int)>();
            if (grownBuckets > 0 && list.FindAll(o => ((o.Hash ^ h) & (grownBuckets - 1)) == 0).Count == ways) continue;
            list.Add((s, h));
            if (list.Count == count) return list.ConvertAll(o => o.Text);
        }
    }
}
