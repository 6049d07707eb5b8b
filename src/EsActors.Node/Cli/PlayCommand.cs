using System.Globalization;
using EsActors.Domain.Policies;
using EsActors.Environments;
using EsActors.Node.Outputs;

namespace EsActors.Node.Cli;

/// <summary><c>play</c>: runs noiseless episodes of a saved policy and prints each return and the mean.</summary>
public static class PlayCommand
{
    public static int Run(string policyPath, string? environmentId, int episodes, ulong seed, string? recordPath = null)
    {
        if (episodes < 1) throw new UserError($"--episodes must be at least 1, got {episodes}");
        PolicyFile policy;
        try { policy = PolicyFile.Read(policyPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"cannot read policy {policyPath}: {e.Message}"); }
        catch (InvalidDataException e) { throw new UserError($"{policyPath}: {e.Message}"); }
        var id = environmentId ?? policy.EnvironmentId;
        if (!EnvironmentRegistry.IsKnown(id)) throw new UserError(new UnknownEnvironmentException(id, EnvironmentRegistry.Ids).Message);
        IReadOnlyList<(double Return, int Length)> outcomes;
        using (var recording = recordPath is null ? null : OpenRecording(recordPath, EnvironmentRegistry.GetSpec(id)))
        {
            try { outcomes = PolicyEvaluation.Run(policy, id, episodes, seed, recording is null ? null : recording.Episode); }
            catch (ArgumentException e) { throw new UserError($"policy {policyPath} (trained on {policy.EnvironmentId}) does not fit {id}: {e.Message}"); }
        }
        for (var k = 0; k < outcomes.Count; k++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"episode {k + 1}: return {outcomes[k].Return:0.###} ({outcomes[k].Length} steps)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean return over {episodes} episodes: {outcomes.Average(o => o.Return):0.###}"));
        if (recordPath is not null) Console.WriteLine($"recorded every step to {Path.GetFullPath(recordPath)}");
        return 0;
    }

    private static EpisodeRecording OpenRecording(string path, EnvironmentSpec spec)
    {
        try { return new EpisodeRecording(path, spec.ObservationSize, spec.Action.PolicyOutputSize); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"cannot write the recording {path}: {e.Message}"); }
    }
}
