using System.Numerics;
using System.Numerics.Tensors;
using EsActors.Domain.Es;

namespace EsActors.Domain.Es;

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
        // Slices with weight 0 add nothing; skipping them keeps the result identical to a plain loop.
        Span<int> active = noiseIndices.Length <= 1024 ? stackalloc int[noiseIndices.Length] : new int[noiseIndices.Length];
        var count = 0;
        for (var i = 0; i < noiseIndices.Length; i++) if (weightPositive[i] - weightNegative[i] != 0f) active[count++] = i;

        // Four slices per pass over the gradient: the update is bound by reading the noise, and one pass instead
        // of four keeps the gradient in registers. Per element the additions happen in the same order as four
        // separate passes (non-fused multiply, then add), so the result is bit-identical to the simple loop.
        var k = 0;
        for (; k + 4 <= count; k += 4)
        {
            int a = active[k], b = active[k + 1], c = active[k + 2], d = active[k + 3];
            AccumulateFour(gradient,
                noise.Slice(noiseIndices[a], dim), weightPositive[a] - weightNegative[a],
                noise.Slice(noiseIndices[b], dim), weightPositive[b] - weightNegative[b],
                noise.Slice(noiseIndices[c], dim), weightPositive[c] - weightNegative[c],
                noise.Slice(noiseIndices[d], dim), weightPositive[d] - weightNegative[d]);
        }
        for (; k < count; k++)
        {
            var i = active[k];
            // Non-fused multiply-add: FMA availability differs between CPUs and would change the last bit.
            TensorPrimitives.MultiplyAdd(noise.Slice(noiseIndices[i], dim), weightPositive[i] - weightNegative[i], gradient, gradient);
        }
        TensorPrimitives.Multiply(gradient, scale, gradient);
    }

    private static void AccumulateFour(Span<float> g,
        ReadOnlySpan<float> e0, float w0, ReadOnlySpan<float> e1, float w1, ReadOnlySpan<float> e2, float w2, ReadOnlySpan<float> e3, float w3)
    {
        var width = Vector<float>.Count;
        int j = 0;
        var (v0, v1, v2, v3) = (new Vector<float>(w0), new Vector<float>(w1), new Vector<float>(w2), new Vector<float>(w3));
        for (; j + width <= g.Length; j += width)
        {
            var acc = new Vector<float>(g[j..]);
            acc += v0 * new Vector<float>(e0[j..]);
            acc += v1 * new Vector<float>(e1[j..]);
            acc += v2 * new Vector<float>(e2[j..]);
            acc += v3 * new Vector<float>(e3[j..]);
            acc.CopyTo(g[j..]);
        }
        for (; j < g.Length; j++)
        {
            var acc = g[j];
            acc += w0 * e0[j];
            acc += w1 * e1[j];
            acc += w2 * e2[j];
            acc += w3 * e3[j];
            g[j] = acc;
        }
    }
}
