using System.Diagnostics;
using Xunit.Abstractions;

namespace EsActors.MuJoCo.Tests;

/// <summary>Prints step timings (physics vs. the rest of Step); no timing assertions.</summary>
public class TimingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Hopper-v4", 20_000)]
    [InlineData("Walker2d-v4", 5_000)]
    [InlineData("HalfCheetah-v4", 5_000)]
    [InlineData("Swimmer-v4", 5_000)]
    [InlineData("Ant-v4", 5_000)]
    [InlineData("Humanoid-v4", 5_000)]
    public void Report_step_overhead(string id, int steps)
    {
        using var env = MuJoCoTestSupport.Create(id);
        var obs = new float[env.Spec.ObservationSize];
        var action = new float[env.Spec.Action.Size];
        env.Reset(1, obs);
        for (var t = 0; t < 500; t++) { TrajectoryAction(env, t, action); if (env.Step(action, obs).Done) env.Reset((ulong)t, obs); }

        env.Reset(2, obs);
        env.ResetTiming();
        env.MeasureTiming = true;
        var wall = Stopwatch.StartNew();
        for (var t = 0; t < steps; t++)
        {
            TrajectoryAction(env, t, action);
            if (env.Step(action, obs).Done) env.Reset((ulong)t, obs);
        }
        wall.Stop();
        env.MeasureTiming = false;

        var perStepUs = env.TotalTicks * 1e6 / Stopwatch.Frequency / env.TimedSteps;
        var physicsUs = env.PhysicsTicks * 1e6 / Stopwatch.Frequency / env.TimedSteps;
        var overhead = (perStepUs - physicsUs) / perStepUs;
        output.WriteLine($"{id}: {env.TimedSteps} steps, Step {perStepUs:F2} µs, mj_step×frameskip {physicsUs:F2} µs, " +
                         $"overhead outside physics {perStepUs - physicsUs:F3} µs = {overhead:P2}; " +
                         $"{steps / wall.Elapsed.TotalSeconds:F0} env steps/s incl. resets");
    }

    private static void TrajectoryAction(EsActors.Environments.MuJoCo.MuJoCoEnvironment env, int t, float[] action) =>
        EsActors.Environments.MuJoCo.TrajectoryProbe.FixedAction(env.Spec.Action, t, action);
}
