namespace EsActors.Domain.Optimizers;

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
        var newTheta = new float[n];
        var m = new float[n];
        var v = settings.Kind == OptimizerKind.Adam ? new float[n] : state.SecondMoment;
        var t = state.Steps + 1;
        var m0 = state.FirstMoment;
        if (settings.Kind == OptimizerKind.Adam)
        {
            // Kingma & Ba (2015), with the bias correction folded into the step size as in the ES public code.
            var b1 = settings.Beta1; var b2 = settings.Beta2;
            var a = (float)(settings.LearningRate * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t)));
            var v0 = state.SecondMoment;
            for (var i = 0; i < n; i++)
            {
                var g = ascent[i];
                var mi = b1 * m0[i] + (1 - b1) * g;
                var vi = b2 * v0[i] + (1 - b2) * (g * g);
                m[i] = mi; v[i] = vi;
                newTheta[i] = theta[i] + a * mi / (MathF.Sqrt(vi) + settings.Epsilon);
            }
        }
        else
        {
            // Heavy-ball momentum: v ← μv + (1−μ)g, θ ← θ + η v (the public code's MomentumSGD).
            var mu = settings.Momentum; var lr = settings.LearningRate;
            for (var i = 0; i < n; i++)
            {
                var mi = mu * m0[i] + (1 - mu) * ascent[i];
                m[i] = mi;
                newTheta[i] = theta[i] + lr * mi;
            }
        }
        return (newTheta, new OptimizerState(t, m, v));
    }
}
