using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;

namespace EsActors.Environments.Rollouts;

/// <summary>
/// Turns network outputs into an environment action. Discrete: argmax over one logit per action.
/// Continuous: tanh squashed into [low, high], or with <see cref="BoxHead.Linear"/> the output itself (ARS's linear
/// policy; only for environments that clamp actions themselves, <see cref="EnvironmentSpec.ClampsActions"/>). Continuous with bins (the paper's action discretisation for
/// hopping and swimming tasks): argmax over <c>bins</c> logits per dimension, mapped to evenly spaced values.
/// </summary>
public sealed class ActionHead
{
    private readonly ActionSpace _space;
    private readonly int _bins;
    private readonly bool _linear;

    public ActionHead(ActionSpace space, int bins, BoxHead boxHead = BoxHead.Tanh)
    {
        if (bins != 0 && (space.IsDiscrete || bins < 2)) throw new ArgumentException("action bins apply to continuous action spaces only and must be at least 2");
        if (boxHead == BoxHead.Linear && (space.IsDiscrete || bins != 0)) throw new ArgumentException("a linear action head applies to continuous actions without bins only");
        _space = space; _bins = bins; _linear = boxHead == BoxHead.Linear;
    }

    public static int NetworkOutputs(ActionSpace space, int bins) =>
        space.IsDiscrete ? space.Count : bins > 0 ? space.Size * bins : space.Size;

    public int OutputSize => NetworkOutputs(_space, _bins);

    /// <param name="noiseStd">Gaussian action noise for training rollouts (continuous spaces only; 0 = none).</param>
    public void Map(ReadOnlySpan<float> outputs, Span<float> action, float noiseStd, ref DeterministicRandom rng)
    {
        if (_space.IsDiscrete) { action[0] = ArgMax(outputs); return; }
        for (var d = 0; d < _space.Size; d++)
        {
            float low = _space.Low[d], high = _space.High[d];
            float value = _bins > 0 ? low + (high - low) * ArgMax(outputs.Slice(d * _bins, _bins)) / (_bins - 1)
                : _linear ? outputs[d]
                : low + (high - low) * 0.5f * (MathF.Tanh(outputs[d]) + 1f);
            if (noiseStd > 0)
            {
                value += noiseStd * (float)rng.NextGaussian();
                if (!_linear) value = Math.Clamp(value, low, high);
            }
            action[d] = value;
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
