using System.Globalization;
using EsActors.Domain.Normalization;
using EsActors.Domain.Policies;
using EsActors.Environments;
using EsActors.Environments.Rollouts;

namespace EsActors.Node.Cli;

/// <summary><c>play</c>: runs noiseless episodes of a saved policy and prints each return and the mean.</summary>
public static class PlayCommand
{
    public static int Run(string policyPath, string? environmentId, int episodes, ulong seed)
    {
        if (episodes < 1) throw new UserError($"--episodes must be at least 1, got {episodes}");
        PolicyFile policy;
        try { policy = PolicyFile.Read(policyPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"cannot read policy {policyPath}: {e.Message}"); }
        catch (InvalidDataException e) { throw new UserError($"{policyPath}: {e.Message}"); }
        var id = environmentId ?? policy.EnvironmentId;
        if (!EnvironmentRegistry.IsKnown(id)) throw new UserError(new UnknownEnvironmentException(id, EnvironmentRegistry.Ids).Message);
        var env = EnvironmentRegistry.Create(id);
        EpisodeRunner runner;
        try { runner = new EpisodeRunner(env, policy.Network, policy.ActionBins); }
        catch (ArgumentException e) { env.Dispose(); throw new UserError($"policy {policyPath} (trained on {policy.EnvironmentId}) does not fit {id}: {e.Message}"); }
        using (runner)
        {
            var normalizer = policy.NormalizeObservations
                ? new ObservationNormalizer(policy.ObservationMean, policy.ObservationStd)
                : ObservationNormalizer.Identity(policy.Network.Inputs);
            double total = 0;
            for (var k = 0; k < episodes; k++)
            {
                var outcome = runner.Run(policy.Theta, ReadOnlySpan<float>.Empty, 0f, normalizer, seed + (ulong)k, runner.Spec.MaxEpisodeSteps);
                total += outcome.Return;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"episode {k + 1}: return {outcome.Return:0.###} ({outcome.Length} steps)"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean return over {episodes} episodes: {total / episodes:0.###}"));
        }
        return 0;
    }
}
