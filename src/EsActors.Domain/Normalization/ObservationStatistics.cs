namespace EsActors.Domain.Normalization;

/// <summary>
/// Running observation statistics as mergeable sums (Salimans et al. 2017 §2.2, "virtual" normalisation of
/// inputs): evaluators send deltas, the optimizer adds them in a fixed order, every node derives the same
/// mean and std. Starts at mean 0, std 1 (a pseudo-count of 0.01 with sum of squares 0.01, as the public code).
/// </summary>
public sealed record ObservationStatistics(double[] Sum, double[] SumOfSquares, double Count)
{
    public const double InitialCount = 1e-2;
    public const double MinimumStd = 1e-2;

    public static ObservationStatistics Initial(int size) =>
        new(new double[size], Enumerable.Repeat(InitialCount, size).ToArray(), InitialCount);

    public static ObservationStatistics Empty(int size) => new(new double[size], new double[size], 0);

    public int Size => Sum.Length;

    public ObservationStatistics Merge(ObservationStatistics delta)
    {
        if (delta.Size != Size) throw new ArgumentException("observation statistics of different sizes cannot be merged");
        var sum = new double[Size]; var sq = new double[Size];
        for (var i = 0; i < Size; i++) { sum[i] = Sum[i] + delta.Sum[i]; sq[i] = SumOfSquares[i] + delta.SumOfSquares[i]; }
        return new ObservationStatistics(sum, sq, Count + delta.Count);
    }

    public float[] Mean()
    {
        var mean = new float[Size];
        for (var i = 0; i < Size; i++) mean[i] = (float)(Sum[i] / Count);
        return mean;
    }

    public float[] Std()
    {
        var std = new float[Size];
        for (var i = 0; i < Size; i++)
        {
            var m = Sum[i] / Count;
            std[i] = (float)Math.Sqrt(Math.Max(SumOfSquares[i] / Count - m * m, MinimumStd * MinimumStd));
        }
        return std;
    }

    public bool ContentEquals(ObservationStatistics other) =>
        Count.Equals(other.Count) && Sum.AsSpan().SequenceEqual(other.Sum) && SumOfSquares.AsSpan().SequenceEqual(other.SumOfSquares);
}

/// <summary>Accumulates raw observations of sampled rollouts into a delta; allocation-free per observation.</summary>
public sealed class ObservationAccumulator(int size)
{
    private readonly double[] _sum = new double[size];
    private readonly double[] _sumOfSquares = new double[size];
    private double _count;

    public void Add(ReadOnlySpan<float> observation)
    {
        for (var i = 0; i < _sum.Length; i++) { double x = observation[i]; _sum[i] += x; _sumOfSquares[i] += x * x; }
        _count++;
    }

    public ObservationStatistics ToDelta() => new((double[])_sum.Clone(), (double[])_sumOfSquares.Clone(), _count);

    public void Clear() { Array.Clear(_sum); Array.Clear(_sumOfSquares); _count = 0; }
}

/// <summary>(obs − mean) / std clipped to [−clip, clip], with precomputed reciprocals; allocation-free.</summary>
public sealed class ObservationNormalizer
{
    public const float DefaultClip = 5f;
    private readonly float[] _mean;
    private readonly float[] _inverseStd;
    private readonly float _clip;

    public ObservationNormalizer(float[] mean, float[] std, float clip = DefaultClip)
    {
        _mean = mean; _clip = clip;
        _inverseStd = std.Select(s => 1f / s).ToArray();
    }

    public static ObservationNormalizer From(ObservationStatistics statistics) => new(statistics.Mean(), statistics.Std());

    public static ObservationNormalizer Identity(int size) => new(new float[size], Enumerable.Repeat(1f, size).ToArray(), float.PositiveInfinity);

    public void Normalize(ReadOnlySpan<float> observation, Span<float> destination)
    {
        for (var i = 0; i < _mean.Length; i++)
            destination[i] = Math.Clamp((observation[i] - _mean[i]) * _inverseStd[i], -_clip, _clip);
    }
}
