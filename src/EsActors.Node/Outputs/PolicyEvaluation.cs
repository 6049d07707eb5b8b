using EsActors.Domain.Normalization;
using EsActors.Domain.Policies;
using EsActors.Environments;
using EsActors.Environments.Rollouts;

namespace EsActors.Node.Outputs;

/// <summary>Noiseless, full-length episodes of a saved policy (what <c>play</c> prints and a sweep reports).</summary>
public static class PolicyEvaluation
{
    /// <summary>Episode k uses seed <paramref name="firstSeed"/> + k and runs to the environment's own limit.</summary>
    /// <param name="observer">Sees every step, with the episode index k (from 0); null when nothing is recorded.</param>
    public static IReadOnlyList<(double Return, int Length)> Run(PolicyFile policy, string environmentId, int episodes, ulong firstSeed,
        Func<int, StepObserver>? observer = null)
    {
        var env = EnvironmentRegistry.Create(environmentId);
        EpisodeRunner runner;
        try { runner = new EpisodeRunner(env, policy.Network, policy.ActionBins, policy.BoxHead); }
        catch { env.Dispose(); throw; }
        using (runner)
        {
            var normalizer = policy.NormalizeObservations
                ? new ObservationNormalizer(policy.ObservationMean, policy.ObservationStd)
                : ObservationNormalizer.Identity(policy.Network.Inputs);
            var outcomes = new List<(double, int)>(episodes);
            for (var k = 0; k < episodes; k++)
            {
                var outcome = runner.Run(policy.Theta, ReadOnlySpan<float>.Empty, 0f, normalizer, firstSeed + (ulong)k, runner.Spec.MaxEpisodeSteps, observer: observer?.Invoke(k));
                outcomes.Add((outcome.Return, outcome.Length));
            }
            return outcomes;
        }
    }
}
