namespace EsActors.Domain.Runs;

/// <summary>
/// What a progress report shows about one generation, computed from its event and the states before and after it —
/// so the live report (optimizer) and the rebuilt one (<c>export</c>, replaying the journal) are the same numbers.
/// Read-only: nothing here feeds back into θ.
/// </summary>
/// <param name="Generation">The generation's index (0-based, as in <see cref="GenerationCompleted"/>).</param>
/// <param name="Timesteps">Every env step so far (training and evaluation episodes).</param>
/// <param name="TrainingTimesteps">Env steps of training episodes so far (the paper's count).</param>
/// <param name="Episodes">Training episodes so far.</param>
/// <param name="MeanEpisodeLength">Mean length of this generation's training episodes.</param>
/// <param name="ThetaNorm">‖θ‖₂ after the update.</param>
/// <param name="UpdateNorm">‖θ_after − θ_before‖₂: the step this generation took.</param>
/// <param name="WallSeconds">Wall time of this generation (first batch out to last result in).</param>
/// <param name="StepsPerSecond">This generation's env steps (training + evaluation) per wall second.</param>
public sealed record GenerationFigures(
    int Generation, long Timesteps, long TrainingTimesteps, long Episodes,
    double MeanReturn, double StdReturn, double MinReturn, double MaxReturn, double MeanEpisodeLength, double EvaluationMean,
    double ThetaNorm, double UpdateNorm, double WallSeconds, double StepsPerSecond)
{
    public static GenerationFigures Of(GenerationCompleted g, RunState before, RunState after)
    {
        var returns = g.ReturnsPositive.Concat(g.ReturnsNegative).ToArray();
        var mean = g.MeanTrainingReturn;
        var variance = returns.Sum(r => (r - mean) * (r - mean)) / returns.Length;
        var lengths = g.LengthsPositive.Sum(l => (long)l) + g.LengthsNegative.Sum(l => (long)l);
        var steps = g.TrainingTimesteps + g.EvaluationTimesteps;
        // RunLogic.Decide refuses a generation without exactly Pairs pairs, so every generation had 2 × Pairs episodes.
        var episodes = (long)after.Generation * 2 * g.NoiseIndices.Length;
        return new GenerationFigures(g.Generation, after.Timesteps, after.TrainingTimesteps, episodes,
            mean, Math.Sqrt(variance), returns.Min(), g.MaxTrainingReturn, (double)lengths / returns.Length, g.MeanEvaluationReturn,
            Norm(after.Theta), Distance(after.Theta, before.Theta), g.WallSeconds, g.WallSeconds > 0 ? steps / g.WallSeconds : 0);
    }

    private static double Norm(float[] v)
    {
        double sum = 0;
        foreach (var x in v) sum += (double)x * x;
        return Math.Sqrt(sum);
    }

    /// <summary>‖a − b‖₂; a θ of another length (the first generation after θ was empty) counts from zero.</summary>
    private static double Distance(float[] a, float[] b)
    {
        if (a.Length != b.Length) return Norm(a);
        double sum = 0;
        for (var i = 0; i < a.Length; i++) { var d = (double)a[i] - b[i]; sum += d * d; }
        return Math.Sqrt(sum);
    }
}
