namespace EsActors.Environments.Tests.ClassicControl;

/// <summary>Shared rollout helpers for the classic-control tests.</summary>
internal static class ClassicControlTestKit
{
    /// <summary>Resets with <paramref name="seed"/> and steps until done or <paramref name="maxSteps"/>, recording everything.</summary>
    public static (List<float[]> Observations, List<StepResult> Results) Rollout(
        IEnvironment env, ulong seed, int maxSteps, Func<int, float[]> actionAt)
    {
        var observations = new List<float[]>();
        var results = new List<StepResult>();
        var obs = new float[env.Spec.ObservationSize];
        env.Reset(seed, obs);
        observations.Add((float[])obs.Clone());
        for (var t = 0; t < maxSteps; t++)
        {
            var result = env.Step(actionAt(t), obs);
            observations.Add((float[])obs.Clone());
            results.Add(result);
            if (result.Done) break;
        }
        return (observations, results);
    }

    /// <summary>Bytes allocated on this thread while running <paramref name="steps"/> steps (resetting whenever an episode ends).</summary>
    public static long AllocatedBytesWhileStepping(IEnvironment env, float[] action, int steps)
    {
        var obs = new float[env.Spec.ObservationSize];
        ulong seed = 1;
        env.Reset(seed, obs);
        // Warm up so that first-call JIT work is not counted.
        for (var t = 0; t < 200; t++)
            if (env.Step(action, obs).Done) env.Reset(++seed, obs);

        env.Reset(++seed, obs);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var t = 0; t < steps; t++)
            if (env.Step(action, obs).Done) env.Reset(++seed, obs);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    public static void AssertSameEpisode(
        (List<float[]> Observations, List<StepResult> Results) a,
        (List<float[]> Observations, List<StepResult> Results) b)
    {
        Assert.Equal(a.Results, b.Results);
        Assert.Equal(a.Observations.Count, b.Observations.Count);
        for (var i = 0; i < a.Observations.Count; i++)
            Assert.Equal(a.Observations[i], b.Observations[i]);
    }
}
