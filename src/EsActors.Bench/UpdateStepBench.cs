using System.Diagnostics;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Domain.Es;

namespace EsActors.Bench;

public sealed record UpdateStepResult(int Parameters, int Slices, double EstimateSeconds, double ApplySeconds, long CopyBytes, double CopySeconds)
{
    public long NoiseBytes => (long)Slices * Parameters * sizeof(float);
    public double EstimateGBps => NoiseBytes / EstimateSeconds / 1e9;
    public double ApplyGBps => NoiseBytes / ApplySeconds / 1e9;
    public double CopyGBps => CopyBytes / CopySeconds / 1e9;
}

/// <summary>
/// The optimizer's update: <see cref="EsGradient.Estimate"/> and the whole <see cref="RunLogic.Apply"/> of a
/// <see cref="GenerationCompleted"/> with n noise slices of dimension d, against a plain memory copy.
/// </summary>
public static class UpdateStepBench
{
    public static UpdateStepResult Measure(int parameters, int slices, long copyBytes, int repetitions)
    {
        var run = GenerationTraffic.Definition(2 * slices, parameters) with { ObservationNormalization = false };
        var d = run.Network.ParameterCount;
        var noise = RunLogic.NoiseFor(run);
        // A fresh plan (other noise slices) for every repetition, so the slices are not still in the CPU caches.
        var plans = Enumerable.Range(0, repetitions + 1).Select(g => PerturbationPlan.For(run, g, noise)).ToArray();
        var plan = plans[0];
        var next = 0;
        var positive = Enumerable.Range(0, slices).Select(i => (float)Math.Sin(i + 1)).ToArray();
        var negative = Enumerable.Range(0, slices).Select(i => (float)Math.Cos(i + 1)).ToArray();
        var gradient = new float[d];
        var estimate = Time(repetitions, () => EsGradient.Estimate(noise, plans[next++ % plans.Length].NoiseIndices, positive, negative, 1f / (2 * slices), gradient));

        var state = RunLogic.Apply(RunState.Empty, new RunStarted(run, new StopCriteria(1_000_000, null)));
        var generation = new GenerationCompleted(0, plan.NoiseIndices,
            Enumerable.Range(0, slices).Select(i => Math.Sin(i * 1.3)).ToArray(), Enumerable.Range(0, slices).Select(i => Math.Cos(i * 0.7)).ToArray(),
            Enumerable.Repeat(100, slices).ToArray(), Enumerable.Repeat(100, slices).ToArray(), ObservationStatistics.Empty(run.Network.Inputs),
            Enumerable.Repeat(1.0, run.EvaluationEpisodes).ToArray(), Enumerable.Repeat(100, run.EvaluationEpisodes).ToArray(), 1.0);
        var apply = Time(repetitions, () => GC.KeepAlive(RunLogic.Apply(state, generation)));

        var count = (int)(copyBytes / sizeof(float));
        var source = new float[count];
        var destination = new float[count];
        source.AsSpan().Fill(1f);
        destination.AsSpan().Clear(); // touch every page before timing
        var copy = Time(repetitions, () => source.AsSpan().CopyTo(destination));
        return new UpdateStepResult(d, slices, estimate, apply, (long)count * sizeof(float), copy);
    }

    private static double Time(int repetitions, Action action)
    {
        action(); // warm-up
        var times = new List<double>();
        for (var i = 0; i < repetitions; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return BenchStats.Median(times);
    }
}
