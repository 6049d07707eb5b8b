namespace EsActors.Environments.ClassicControl;

internal enum EpisodePhase { NotStarted, Running, Ended }

/// <summary>The argument and life-cycle checks every classic-control environment makes, with the same messages.</summary>
internal static class EpisodeGuard
{
    public static void EnsureRunning(EpisodePhase phase, string environment)
    {
        if (phase != EpisodePhase.Running)
            throw new InvalidOperationException(phase == EpisodePhase.NotStarted
                ? $"{environment}: Step called before Reset"
                : $"{environment}: Step called after the episode ended; call Reset");
    }

    public static void CheckObservation(Span<float> observation, int size, string environment)
    {
        if (observation.Length < size)
            throw new ArgumentException($"{environment} writes {size} observation values", nameof(observation));
    }
}
