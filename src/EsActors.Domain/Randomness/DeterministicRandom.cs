namespace EsActors.Domain.Randomness;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Used everywhere a value must depend only on a seed:
/// unlike <see cref="System.Random"/>, its sequence is specified and identical on every .NET version
/// and machine, and it can be created cheaply from a (seed, stream) pair without shared state.
/// </summary>
public struct DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public DeterministicRandom(ulong seed)
    {
        var sm = seed;
        _s0 = SplitMix64.Next(ref sm);
        _s1 = SplitMix64.Next(ref sm);
        _s2 = SplitMix64.Next(ref sm);
        _s3 = SplitMix64.Next(ref sm);
    }

    /// <summary>A generator for one independent stream, e.g. (run seed, generation) or (episode seed, purpose).</summary>
    public static DeterministicRandom ForStream(ulong seed, ulong stream, ulong substream = 0) =>
        new(SplitMix64.Mix(SplitMix64.Mix(seed ^ 0x9E3779B97F4A7C15UL) ^ stream) ^ SplitMix64.Mix(substream + 0x632BE59BD9B4E019UL));

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public double NextUniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>
    /// Integer in [0, bound) by Lemire's multiply-shift on 32 random bits, without the rejection step: the bias is
    /// at most bound / 2^32 (0.4 % relative for a 2^24 noise table), which is harmless here and keeps one draw per value.
    /// </summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "bound must be positive");
        var m = Math.BigMul(NextUInt64() >> 32, (ulong)bound);
        return (int)(m >> 32);
    }

    /// <summary>Standard normal sample by the Box–Muller transform (one of the pair is discarded for simplicity).</summary>
    public double NextGaussian()
    {
        double u1;
        do { u1 = NextDouble(); } while (u1 <= double.Epsilon);
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a fast bijective mixer used to derive seeds.</summary>
public static class SplitMix64
{
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
