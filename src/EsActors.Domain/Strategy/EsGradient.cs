using System.Numerics.Tensors;
using EsActors.Domain.Noise;

namespace EsActors.Domain.Strategy;

/// <summary>The mirrored-sampling ES gradient estimate (Salimans et al. 2017, eq. 1 with antithetic pairs).</summary>
public static class EsGradient
{
    /// <summary>
    /// gradient = scale · Σ_i (weightPositive_i − weightNegative_i) · ε_i, accumulated in index order so the
    /// result is identical on every node. With raw returns and scale = 1/(2nσ) this is the unbiased estimate
    /// of ∇E[F(θ+σε)]; training uses centered ranks and scale = 1/(2n) like the public code.
    /// </summary>
    public static void Estimate(
        NoiseTable noise,
        ReadOnlySpan<int> noiseIndices,
        ReadOnlySpan<float> weightPositive,
        ReadOnlySpan<float> weightNegative,
        float scale,
        Span<float> gradient)
    {
        if (weightPositive.Length != noiseIndices.Length || weightNegative.Length != noiseIndices.Length)
            throw new ArgumentException("one positive and one negative weight per noise index are required");
        gradient.Clear();
        var dim = gradient.Length;
        for (var i = 0; i < noiseIndices.Length; i++)
        {
            var w = weightPositive[i] - weightNegative[i];
            if (w == 0f) continue;
            // Non-fused multiply-add: FMA availability differs between CPUs and would change the last bit.
            TensorPrimitives.MultiplyAdd(noise.Slice(noiseIndices[i], dim), w, gradient, gradient);
        }
        TensorPrimitives.Multiply(gradient, scale, gradient);
    }
}
