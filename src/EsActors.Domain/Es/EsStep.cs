using System.Numerics.Tensors;
using EsActors.Domain.Runs;

namespace EsActors.Domain.Es;

/// <summary>
/// The "tell" half of the strategy (the "ask" half is <see cref="PerturbationPlan"/>): one ES step from a
/// generation's returns. We maximize the return.
/// </summary>
public static class EsStep
{
    /// <summary>
    /// One ES step (Salimans et al. 2017, Algorithm 2, lines 7–8): centered ranks over all 2n returns, the mirrored
    /// gradient estimate, weight decay, then the step rule. Deterministic: fixed summation order everywhere.
    /// </summary>
    public static (float[] Theta, OptimizerState Optimizer) Tell(
        RunDefinition run, NoiseTable noise, float[] theta, OptimizerState optimizer,
        int[] noiseIndices, double[] returnsPositive, double[] returnsNegative)
    {
        var n = run.Pairs;
        var returns = new double[2 * n];
        returnsPositive.CopyTo(returns, 0);
        returnsNegative.CopyTo(returns, n);
        var shaped = new float[2 * n];
        FitnessShaping.CenteredRanks(returns, shaped);

        var ascent = new float[theta.Length];
        EsGradient.Estimate(noise, noiseIndices, shaped.AsSpan(0, n), shaped.AsSpan(n, n), 1f / (2 * n), ascent);
        // Weight decay: step along −(−g + λθ) = g − λθ.
        TensorPrimitives.MultiplyAdd(theta, -run.WeightDecay, ascent, ascent);
        return Optimizer.Step(run.Optimizer, theta, optimizer, ascent);
    }
}
