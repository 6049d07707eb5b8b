using EsActors.Domain.Es;
using EsActors.Domain.Randomness;

namespace EsActors.Domain.Tests.Support;

/// <summary>
/// A minimal ask/tell OpenAI-ES loop over a black-box objective, built from the domain's pieces in the same
/// order as <c>RunLogic.Update</c>: centered ranks over all 2n returns, the mirrored estimate with scale 1/(2n),
/// weight decay, then <see cref="Optimizer.Step"/>. Noise indices come from a seeded <see cref="DeterministicRandom"/>
/// instead of a <c>PerturbationPlan</c>, so the loop needs no <c>RunDefinition</c>. We maximize.
/// </summary>
internal sealed class EsLoop
{
    private readonly NoiseTable _noise;
    private readonly int _pairs;
    private readonly float _weightDecay;
    private DeterministicRandom _rng;
    private OptimizerState _state;

    public EsLoop(NoiseTable noise, float[] theta, int pairs, ulong seed, float weightDecay = 0f)
    {
        _noise = noise;
        _pairs = pairs;
        _weightDecay = weightDecay;
        _rng = new DeterministicRandom(seed);
        Theta = theta;
        _state = OptimizerState.Zero(theta.Length);
    }

    public float[] Theta { get; private set; }

    public int Dimension => Theta.Length;

    /// <summary>One generation: ask (draw n noise indices, evaluate θ ± σε), tell (shape, estimate, step).</summary>
    public void Generation(Func<float[], double> objective, float sigma, OptimizerSettings settings)
    {
        var n = _pairs; var dim = Dimension;
        var indices = new int[n];
        var returns = new double[2 * n];
        var candidate = new float[dim];
        for (var i = 0; i < n; i++)
        {
            indices[i] = _noise.SampleIndex(ref _rng, dim);
            var eps = _noise.Slice(indices[i], dim);
            for (var j = 0; j < dim; j++) candidate[j] = Theta[j] + sigma * eps[j];
            returns[i] = objective(candidate);
            for (var j = 0; j < dim; j++) candidate[j] = Theta[j] - sigma * eps[j];
            returns[n + i] = objective(candidate);
        }

        var shaped = new float[2 * n];
        FitnessShaping.CenteredRanks(returns, shaped);
        var ascent = new float[dim];
        EsGradient.Estimate(_noise, indices, shaped.AsSpan(0, n), shaped.AsSpan(n, n), 1f / (2 * n), ascent);
        for (var j = 0; j < dim; j++) ascent[j] -= _weightDecay * Theta[j];
        (Theta, _state) = Optimizer.Step(settings, Theta, _state, ascent);
    }

    /// <summary>Maximizes with constant σ and settings for the given number of generations.</summary>
    public float[] Run(Func<float[], double> objective, int generations, float sigma, OptimizerSettings settings)
    {
        for (var g = 0; g < generations; g++) Generation(objective, sigma, settings);
        return Theta;
    }
}

/// <summary>Benchmark objectives written for maximisation (the negated textbook minimisation problems).</summary>
internal static class Objectives
{
    /// <summary>−‖x‖²; maximum 0 at the origin.</summary>
    public static double NegSphere(float[] x)
    {
        double s = 0;
        foreach (var v in x) s += (double)v * v;
        return -s;
    }

    /// <summary>
    /// −Rastrigin: −(10d + Σ x_i² − 10 cos 2πx_i). Maximum 0 at the origin; every other integer lattice point is a
    /// local maximum, the best of them (one coordinate at ±1) has value ≈ −0.995.
    /// </summary>
    public static double NegRastrigin(float[] x)
    {
        double s = 10.0 * x.Length;
        foreach (var v in x) s += (double)v * v - 10.0 * Math.Cos(2 * Math.PI * v);
        return -s;
    }

    public static double Norm(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (var v in x) s += (double)v * v;
        return Math.Sqrt(s);
    }
}
