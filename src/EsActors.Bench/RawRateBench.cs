using System.Diagnostics;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Environments.Rollouts;
using EsActors.Domain.Es;
using EsActors.Node.Configuration;

namespace EsActors.Bench;

public sealed record RawRateResult(string EnvironmentId, int Parameters, int Repetitions, double MedianStepsPerSecond, double MinStepsPerSecond, double MaxStepsPerSecond, double MeanEpisodeLength);

/// <summary>
/// Single-thread env steps/s without actors: one <see cref="EpisodeRunner"/> runs training episodes of θ ± σε
/// (ε from the shared noise table, the preset's network) back to back, exactly as an evaluator does.
/// </summary>
public static class RawRateBench
{
    public static RawRateResult Measure(string environmentId, TimeSpan perRepetition, int repetitions)
    {
        var (run, _) = RunSettings.Build(environmentId, NodeConfig.RunSettings(environmentId, null), new RunOverrides());
        var noise = RunLogic.NoiseFor(run);
        var dimension = run.Network.ParameterCount;
        var theta = run.Network.InitialParameters(run.Seed);
        var normalizer = run.ObservationNormalization
            ? ObservationNormalizer.From(ObservationStatistics.Initial(run.Network.Inputs))
            : ObservationNormalizer.Identity(run.Network.Inputs);
        using var runner = new EpisodeRunner(EnvironmentRegistry.Create(environmentId), run.Network, run.ActionBins, run.BoxHead);
        var limit = runner.Spec.MaxEpisodeSteps;
        var rates = new List<double>();
        long totalSteps = 0, totalEpisodes = 0;
        var generation = 0;
        var episode = 0L;
        // Warm-up (JIT, caches), then timed repetitions.
        for (var rep = -1; rep < repetitions; rep++)
        {
            var budget = rep < 0 ? TimeSpan.FromMilliseconds(Math.Min(300, perRepetition.TotalMilliseconds)) : perRepetition;
            var plan = PerturbationPlan.For(run, generation++, noise);
            long steps = 0, episodes = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < budget)
            {
                var pair = (int)(episode / 2 % run.Pairs);
                var sign = episode % 2 == 0 ? 1f : -1f;
                var outcome = runner.Run(theta, noise.Slice(plan.NoiseIndices[pair], dimension), sign * run.Sigma, normalizer,
                    plan.EpisodeSeeds[pair], limit, run.ActionNoiseStd);
                steps += outcome.Length;
                episodes++;
                episode++;
            }
            var seconds = clock.Elapsed.TotalSeconds;
            if (rep < 0) continue;
            rates.Add(steps / seconds);
            totalSteps += steps;
            totalEpisodes += episodes;
        }
        return new RawRateResult(environmentId, dimension, repetitions, BenchStats.Median(rates), rates.Min(), rates.Max(),
            totalEpisodes > 0 ? totalSteps / (double)totalEpisodes : 0);
    }
}
