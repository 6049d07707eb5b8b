using System.Numerics.Tensors;

namespace EsActors.Domain.Es;

public enum OptimizerKind { Adam, SgdMomentum }

/// <summary>Hyperparameters of the step rule. Defaults are the paper's (Adam, step 0.01).</summary>
public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerKind.Adam,
    float LearningRate = 0.01f,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float Momentum = 0.9f)
{
    public void Validate()
    {
        if (!(LearningRate > 0 && float.IsFinite(LearningRate))) throw new ArgumentException($"learning rate must be a positive number, got {LearningRate}");
        if (!(Beta1 is >= 0 and < 1) || !(Beta2 is >= 0 and < 1)) throw new ArgumentException("Adam betas must lie in [0, 1)");
        if (!(Momentum is >= 0 and < 1)) throw new ArgumentException("momentum must lie in [0, 1)");
        if (!(Epsilon > 0)) throw new ArgumentException("Adam epsilon must be positive");
    }
}

/// <summary>
/// Optimizer moments. Immutable by convention: <see cref="Optimizer.Step"/> returns new arrays, so a snapshot
/// can hold a reference while training goes on.
/// </summary>
public sealed record OptimizerState(long Steps, float[] FirstMoment, float[] SecondMoment)
{
    public static OptimizerState Zero(int dimension) => new(0, new float[dimension], new float[dimension]);
}

/// <summary>
/// Step rules written for maximisation: θ moves along the ascent direction. The arithmetic is scalar and in a
/// fixed order so that every node that replays the same gradients gets bit-identical parameters.
/// </summary>
public static class Optimizer
{
    public static (float[] Theta, OptimizerState State) Step(
        OptimizerSettings settings, ReadOnlySpan<float> theta, OptimizerState state, ReadOnlySpan<float> ascent)
    {
        var n = theta.Length;
        if (ascent.Length != n || state.FirstMoment.Length != n) throw new ArgumentException("dimension mismatch between θ, gradient and optimizer state");
        // Element-wise vector operations only (no reductions, no fused multiply-add), so the result is the same
        // whatever the SIMD width of the CPU.
        var newTheta = new float[n];
        var m = new float[n];
        var t = state.Steps + 1;
        if (settings.Kind == OptimizerKind.Adam)
        {
            // Kingma & Ba (2015), with the bias correction folded into the step size as in the ES public code.
            float b1 = settings.Beta1, b2 = settings.Beta2;
            var a = (float)(settings.LearningRate * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t)));
            var v = new float[n];
            var scratch = new float[n];
            TensorPrimitives.Multiply(state.FirstMoment, b1, m);               // m = β1·m
            TensorPrimitives.MultiplyAdd(ascent, 1 - b1, m, m);                 //   + (1−β1)·g
            TensorPrimitives.Multiply(ascent, ascent, scratch);                 // g²
            TensorPrimitives.Multiply(scratch, 1 - b2, scratch);                // (1−β2)·g²
            TensorPrimitives.Multiply(state.SecondMoment, b2, v);               // v = β2·v
            TensorPrimitives.Add(v, scratch, v);                                //   + (1−β2)·g²
            TensorPrimitives.Sqrt(v, scratch);
            TensorPrimitives.Add(scratch, settings.Epsilon, scratch);           // √v + ε
            TensorPrimitives.Divide(m, scratch, scratch);                       // m / (√v + ε)
            TensorPrimitives.MultiplyAdd(scratch, a, theta, newTheta);          // θ + α·m/(√v+ε)
            return (newTheta, new OptimizerState(t, m, v));
        }
        // Heavy-ball momentum: v ← μv + (1−μ)g, θ ← θ + η v (the public code's MomentumSGD).
        TensorPrimitives.Multiply(state.FirstMoment, settings.Momentum, m);
        TensorPrimitives.MultiplyAdd(ascent, 1 - settings.Momentum, m, m);
        TensorPrimitives.MultiplyAdd(m, settings.LearningRate, theta, newTheta);
        return (newTheta, new OptimizerState(t, m, state.SecondMoment));
    }
}
