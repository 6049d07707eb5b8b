namespace EsActors.Domain.Es;

/// <summary>
/// A step size that decays over the run: generation g steps with α · m(g), where m goes linearly from 1 to
/// <see cref="End"/> over the first <see cref="Generations"/> generations and stays there. ARS and OpenAI-ES keep α
/// fixed, so with σ_R-normalised ARS steps θ keeps wandering around the optimum by a step of fixed length; a decay
/// lets it settle. Plain float arithmetic: every node computes the same α.
/// </summary>
/// <param name="End">Multiplier of the learning rate from generation <see cref="Generations"/> on (0 ≤ End).</param>
/// <param name="Generations">Generations over which the multiplier falls from 1 to <see cref="End"/>.</param>
public sealed record LearningRateSchedule(float End, int Generations)
{
    /// <summary>m(g): 1 at generation 0, <see cref="End"/> from <see cref="Generations"/> on.</summary>
    public float Multiplier(int generation)
    {
        var progress = Math.Min(Math.Max(generation, 0), Generations) / (float)Generations;
        return 1f + (End - 1f) * progress;
    }

    /// <summary>The step rule of <paramref name="generation"/>: <paramref name="settings"/> with α scaled by m(g).</summary>
    public OptimizerSettings At(OptimizerSettings settings, int generation) =>
        settings with { LearningRate = settings.LearningRate * Multiplier(generation) };

    public void Validate()
    {
        if (!(End >= 0 && float.IsFinite(End))) throw new ArgumentException($"learning-rate-schedule end must be a number ≥ 0 (a multiplier of the learning rate), got {End}");
        if (Generations < 1) throw new ArgumentException($"learning-rate-schedule generations must be at least 1, got {Generations}");
    }

    public override string ToString() => $"learning rate × 1 → × {End} over {Generations} generations";
}
