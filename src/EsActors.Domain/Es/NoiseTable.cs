using System.Collections.Concurrent;
using EsActors.Domain.Randomness;

namespace EsActors.Domain.Es;

/// <summary>
/// The shared noise table of Salimans et al. (2017, §2.1): one block of N(0,1) float32 values, identical on
/// every node because it is generated from a fixed seed. A perturbation ε is the slice of length dim(θ)
/// starting at a noise index, so workers exchange indices instead of vectors (Algorithm 2).
/// Memory per node = 4 bytes × <see cref="Size"/> (64 MiB at the default 2^24), shared by all evaluators
/// of a process. Generated in fixed chunks, each from its own stream, so the content does not depend on
/// how many threads generate it.
/// </summary>
public sealed class NoiseTable
{
    public const int DefaultSize = 1 << 24;
    public const ulong DefaultSeed = 123;
    private const int ChunkSize = 1 << 16;

    private static readonly ConcurrentDictionary<(ulong, int), Lazy<NoiseTable>> Cache = new();

    private readonly float[] _values;

    public NoiseTable(ulong seed, int size)
    {
        if (size < ChunkSize) throw new ArgumentOutOfRangeException(nameof(size), size, $"noise table must hold at least {ChunkSize} values");
        Seed = seed;
        _values = GC.AllocateUninitializedArray<float>(size);
        var chunks = (size + ChunkSize - 1) / ChunkSize;
        Parallel.For(0, chunks, chunk =>
        {
            var rng = DeterministicRandom.ForStream(seed, (ulong)chunk, 0x4E4F495345UL);
            var span = _values.AsSpan(chunk * ChunkSize, Math.Min(ChunkSize, size - chunk * ChunkSize));
            for (var i = 0; i < span.Length; i++) span[i] = (float)rng.NextGaussian();
        });
    }

    /// <summary>One table per (seed, size) per process: evaluators and the optimizer share it.</summary>
    public static NoiseTable Shared(ulong seed, int size) =>
        Cache.GetOrAdd((seed, size), key => new Lazy<NoiseTable>(() => new NoiseTable(key.Item1, key.Item2))).Value;

    public ulong Seed { get; }
    public int Size => _values.Length;

    /// <summary>ε for a noise index: the slice [index, index + length).</summary>
    public ReadOnlySpan<float> Slice(int index, int length) => _values.AsSpan(index, length);

    /// <summary>Draws a noise index whose slice of <paramref name="dimension"/> values fits in the table.</summary>
    public int SampleIndex(ref DeterministicRandom rng, int dimension)
    {
        if (dimension > Size) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"parameter count exceeds the noise table size {Size}");
        return rng.NextInt(Size - dimension + 1);
    }

    public bool IsValidIndex(int index, int dimension) => index >= 0 && (long)index + dimension <= Size;
}
