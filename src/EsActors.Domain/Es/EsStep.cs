using System.Numerics.Tensors;
using EsActors.Domain.Runs;

namespace EsActors.Domain.Es;

/// <summary>
/// The "tell" half of the strategy (the "ask" half is <see cref="PerturbationPlan"/>): one step from a generation's
/// returns. We maximize the return. Deterministic: fixed summation orders everywhere.
/// </summary>
public static class EsStep
{
    /// <summary>One step of the run's strategy (<see cref="StrategySettings"/>), then weight decay and the step rule.</summary>
    public static (float[] Theta, OptimizerState Optimizer, float[]? Sigmas) Tell(
        RunDefinition run, NoiseTable noise, float[] theta, OptimizerState optimizer, float[]? sigmas, GenerationCompleted g)
    {
        var n = run.Pairs;
        var weightPositive = new float[n];
        var weightNegative = new float[n];
        var scale = run.EffectiveStrategy.Kind == StrategyKind.Ars
            ? ArsWeights(run.EffectiveStrategy, g, weightPositive)
            : CenteredRankWeights(g, weightPositive, weightNegative);

        var ascent = new float[theta.Length];
        EsGradient.Estimate(noise, g.NoiseIndices, weightPositive, weightNegative, scale, ascent);
        // With σ per layer, F(θ ± σ_l ε) estimates the smoothed gradient scaled by σ_l: divide by the layer's multiplier
        // so every layer's estimate is in the same units (Adam is nearly invariant to it; a plain step is not).
        if (run.SigmaSchedule is { } schedule) TensorPrimitives.Divide(ascent, schedule.PerParameter(run.Network, g.Generation), ascent);
        // Weight decay: step along −(−g + λθ) = g − λθ.
        TensorPrimitives.MultiplyAdd(theta, -run.WeightDecay, ascent, ascent);
        var (newTheta, newOptimizer) = Optimizer.Step(run.OptimizerAt(g.Generation), theta, optimizer, ascent);
        var newSigmas = sigmas is null ? null : LearnSigmas(run.EffectiveStrategy.SigmaLearningRate, noise, g.NoiseIndices, weightPositive, weightNegative, sigmas);
        return (newTheta, newOptimizer, newSigmas);
    }

    /// <summary>
    /// SNES's σ update (Schaul et al. 2011): σ_i ← σ_i · exp(η/2 · Σ_k u_k (ε_ki² − 1)), with utilities u the centered
    /// ranks scaled by 2/n so that Σ|u| ≈ 1 as SNES's utilities (the centered ranks' own Σ|u| = n/2 grows with the
    /// population and turned η = SNES's default into a random walk of log σ). Both halves of a mirrored pair saw ε_k²,
    /// so the pair weighs in with u⁺ + u⁻. Pairs in index order; σ in float.
    /// </summary>
    private static float[] LearnSigmas(double rate, NoiseTable noise, int[] noiseIndices, float[] weightPositive, float[] weightNegative, float[] sigmas)
    {
        var d = sigmas.Length;
        var sum = new double[d];
        for (var k = 0; k < noiseIndices.Length; k++)
        {
            var u = ((double)weightPositive[k] + weightNegative[k]) * 2 / noiseIndices.Length;
            if (u == 0) continue;
            var eps = noise.Slice(noiseIndices[k], d);
            for (var i = 0; i < d; i++) sum[i] += u * ((double)eps[i] * eps[i] - 1);
        }
        var next = new float[d];
        for (var i = 0; i < d; i++) next[i] = (float)(sigmas[i] * Math.Exp(rate / 2 * sum[i]));
        return next;
    }

    /// <summary>
    /// Salimans et al. 2017, Algorithm 2, lines 7–8: centered ranks over all 2n returns; the mirrored estimate is
    /// Σ (w⁺ − w⁻) ε / 2n. Returns the scale 1/2n.
    /// </summary>
    private static float CenteredRankWeights(GenerationCompleted g, float[] weightPositive, float[] weightNegative)
    {
        var n = weightPositive.Length;
        var returns = new double[2 * n];
        g.ReturnsPositive.CopyTo(returns, 0);
        g.ReturnsNegative.CopyTo(returns, n);
        var shaped = new float[2 * n];
        FitnessShaping.CenteredRanks(returns, shaped);
        shaped.AsSpan(0, n).CopyTo(weightPositive);
        shaped.AsSpan(n, n).CopyTo(weightNegative);
        return 1f / (2 * n);
    }

    /// <summary>
    /// Mania et al. 2018, Algorithm 2, line 7: the b directions with the largest max(r⁺, r⁻) (ties: lower pair index),
    /// weight (r⁺ − r⁻) / σ_R with σ_R the population standard deviation of their 2b returns (1 when they are all
    /// equal), the others 0. Training returns are shifted by −shift × length first. Returns the scale 1/b.
    /// </summary>
    private static float ArsWeights(StrategySettings strategy, GenerationCompleted g, float[] weight)
    {
        var n = weight.Length;
        var positive = new double[n];
        var negative = new double[n];
        for (var i = 0; i < n; i++)
        {
            positive[i] = g.ReturnsPositive[i] - strategy.RewardShift * g.LengthsPositive[i];
            negative[i] = g.ReturnsNegative[i] - strategy.RewardShift * g.LengthsNegative[i];
        }
        var b = strategy.DirectionsUsed(n);
        var used = TopDirections(positive, negative, b);
        double mean = 0;
        foreach (var i in used) mean += positive[i] + negative[i];
        mean /= 2.0 * b;
        double variance = 0;
        foreach (var i in used) variance += (positive[i] - mean) * (positive[i] - mean) + (negative[i] - mean) * (negative[i] - mean);
        var deviation = Math.Sqrt(variance / (2.0 * b));
        if (!(deviation > 0)) deviation = 1;
        foreach (var i in used) weight[i] = (float)((positive[i] - negative[i]) / deviation);
        return 1f / b;
    }

    /// <summary>Indices of the <paramref name="b"/> pairs with the largest max(r⁺, r⁻), in ascending index order.</summary>
    internal static int[] TopDirections(double[] positive, double[] negative, int b)
    {
        var order = Enumerable.Range(0, positive.Length).ToArray();
        Array.Sort(order, (x, y) =>
        {
            var byScore = Math.Max(positive[y], negative[y]).CompareTo(Math.Max(positive[x], negative[x]));
            return byScore != 0 ? byScore : x.CompareTo(y);
        });
        var used = order[..b];
        Array.Sort(used);
        return used;
    }
}
