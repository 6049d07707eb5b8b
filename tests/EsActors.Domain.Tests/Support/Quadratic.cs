using EsActors.Domain.Es;
using EsActors.Domain.Randomness;

namespace EsActors.Domain.Tests.Support;

/// <summary>
/// F(x) = −Σ a_i (x_i − c_i)² at a point x, all drawn from <c>seed</c> (a, c, x per coordinate, in that order): the
/// test problem whose smoothed gradient is known in closed form, ∇F_σ = ∇F = −2a ⊙ (x − c).
/// </summary>
internal sealed class Quadratic
{
    private readonly double[] _a, _c;

    public Quadratic(int dimension, ulong seed)
    {
        var setup = new DeterministicRandom(seed);
        _a = new double[dimension]; _c = new double[dimension]; X = new float[dimension];
        for (var i = 0; i < dimension; i++) { _a[i] = setup.NextUniform(0.5, 2.0); _c[i] = setup.NextUniform(-1, 1); X[i] = (float)setup.NextUniform(-1, 1); }
        Gradient = Enumerable.Range(0, dimension).Select(i => -2 * _a[i] * (X[i] - _c[i])).ToArray();
    }

    public float[] X { get; }
    public double[] Gradient { get; }

    public double F(ReadOnlySpan<float> v)
    {
        double s = 0;
        for (var i = 0; i < _a.Length; i++) s -= _a[i] * (v[i] - _c[i]) * (v[i] - _c[i]);
        return s;
    }

    /// <summary>The raw-return mirrored estimate 1/(2nσ) Σ (F(x+σε) − F(x−σε)) ε over <paramref name="n"/> slices of <paramref name="noise"/>.</summary>
    public float[] Estimate(NoiseTable noise, int n, float sigma, ref DeterministicRandom rng)
    {
        var d = X.Length;
        var indices = new int[n]; var positive = new float[n]; var negative = new float[n];
        var probe = new float[d];
        for (var k = 0; k < n; k++)
        {
            indices[k] = noise.SampleIndex(ref rng, d);
            var eps = noise.Slice(indices[k], d);
            for (var i = 0; i < d; i++) probe[i] = X[i] + sigma * eps[i];
            positive[k] = (float)F(probe);
            for (var i = 0; i < d; i++) probe[i] = X[i] - sigma * eps[i];
            negative[k] = (float)F(probe);
        }
        var estimate = new float[d];
        EsGradient.Estimate(noise, indices, positive, negative, 1f / (2 * n * sigma), estimate);
        return estimate;
    }
}
