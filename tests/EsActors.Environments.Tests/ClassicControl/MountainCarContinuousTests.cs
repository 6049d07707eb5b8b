using EsActors.Environments.ClassicControl;
using static EsActors.Environments.Tests.ClassicControl.ClassicControlTestKit;

namespace EsActors.Environments.Tests.ClassicControl;

public class MountainCarContinuousTests
{
    private const double Tol = 1e-12;

    [Fact]
    public void Spec_matches_gymnasium_registration()
    {
        var spec = new MountainCarContinuous().Spec;
        Assert.Equal("MountainCarContinuous-v0", spec.Id);
        Assert.Equal(2, spec.ObservationSize);
        Assert.Equal(ActionSpace.Box(1, -1f, 1f), spec.Action);
        Assert.Equal(999, spec.MaxEpisodeSteps);
        Assert.Equal(90.0, spec.RewardThreshold);
    }

    [Fact]
    public void Steps_follow_the_published_update()
    {
        // v' = v + clip(a, ±1)·0.0015 − 0.0025·cos(3p);  p' = p + v';  reward = −0.1·a²
        // Step 1 from (−0.5, 0), a = 1: cos(−1.5) = 0.0707372016677029
        //   v' = 0.0015 − 0.0025·0.0707372016677029 = 0.0013231569958307428,  p' = −0.49867684300416926
        using var env = new MountainCarContinuous();
        env.SetState(-0.5, 0.0);
        var obs = new float[2];
        var r1 = env.Step([1f], obs);
        Assert.Equal(-0.1, r1.Reward, Tol);
        Assert.False(r1.Terminated);
        Assert.False(r1.Truncated);
        AssertState(env, -0.49867684300416926, 0.0013231569958307428);
        Assert.Equal([(float)-0.49867684300416926, (float)0.0013231569958307428], obs);

        // Step 2, a = 1: v' = 0.0013231569958307428 + 0.0015 − 0.0025·cos(3·(−0.49867684300416926))
        env.Step([1f], obs);
        AssertState(env, -0.49604042641180685, 0.002636416592362428);

        // Step 3, a = −0.5: reward −0.1·0.25 = −0.025
        var r3 = env.Step([-0.5f], obs);
        Assert.Equal(-0.025, r3.Reward, Tol);
        AssertState(env, -0.49436046206152173, 0.0016799643502851025);
    }

    [Fact]
    public void Force_is_clipped_but_the_reward_uses_the_action_as_given()
    {
        // a = 3: the dynamics see force 1 (same state as step 1 above) but the source's reward is −0.1·3² = −0.9.
        using var env = new MountainCarContinuous();
        env.SetState(-0.5, 0.0);
        var r = env.Step([3f], new float[2]);
        Assert.Equal(-0.9, r.Reward, 1e-6);
        AssertState(env, -0.49867684300416926, 0.0013231569958307428);
    }

    [Fact]
    public void Reaching_the_flag_terminates_and_pays_100()
    {
        // From (0.44, 0.02), a = 0: v' = 0.02 − 0.0025·cos(1.32) = 0.019379561370869068, p' = 0.45937956137086905 ≥ 0.45.
        using var env = new MountainCarContinuous();
        env.SetState(0.44, 0.02);
        var obs = new float[2];
        Assert.Equal(new StepResult(100.0, Terminated: true, Truncated: false), env.Step([0f], obs));
        AssertState(env, 0.45937956137086905, 0.019379561370869068);
        Assert.Throws<InvalidOperationException>(() => env.Step([0f], obs));

        // With a = 1 the goal bonus still comes with the action cost: 100 − 0.1 = 99.9.
        env.SetState(0.44, 0.02);
        Assert.Equal(99.9, env.Step([1f], obs).Reward, Tol);
    }

    [Fact]
    public void Below_the_flag_does_not_terminate()
    {
        // From (0.44, 0.005), a = −1: v' = 0.005 − 0.0015 − 0.0025·cos(1.32) = 0.0028795613708690678, p' = 0.44288 < 0.45.
        using var env = new MountainCarContinuous();
        env.SetState(0.44, 0.005);
        var r = env.Step([-1f], new float[2]);
        Assert.False(r.Terminated);
        AssertState(env, 0.4428795613708691, 0.0028795613708690678);
    }

    [Fact]
    public void Left_wall_stops_the_car()
    {
        // From (−1.19, −0.05), a = −1: v' = −0.05 − 0.0015 − 0.0025·cos(−3.57) ≈ −0.04923, p' = −1.2392 → clipped to −1.2,
        // and since p' = −1.2 with v' < 0, the velocity is zeroed.
        using var env = new MountainCarContinuous();
        env.SetState(-1.19, -0.05);
        var obs = new float[2];
        env.Step([-1f], obs);
        AssertState(env, -1.2, 0.0);
        Assert.Equal([-1.2f, 0f], obs);
    }

    [Fact]
    public void Speed_is_clipped_to_0_07()
    {
        // From (−0.9, 0.0699), a = 1: v' = 0.0699 + 0.0015 − 0.0025·cos(−2.7) = 0.0736 → 0.07; p' = −0.83.
        using var env = new MountainCarContinuous();
        env.SetState(-0.9, 0.0699);
        env.Step([1f], new float[2]);
        AssertState(env, -0.83, 0.07);
    }

    [Fact]
    public void Coasting_from_the_valley_truncates_at_999_steps()
    {
        // With a = 0 the car only oscillates in the valley (it ends at p ≈ −0.5197), so the limit ends the episode.
        using var env = new MountainCarContinuous();
        var obs = new float[2];
        env.SetState(-0.5, 0.0);
        for (var t = 1; t < 999; t++)
            Assert.Equal(new StepResult(0.0, false, false), env.Step([0f], obs));
        Assert.Equal(new StepResult(0.0, false, true), env.Step([0f], obs));
        AssertState(env, -0.5197110682211197, 0.002029987444245151, tol: 1e-10);
        Assert.Throws<InvalidOperationException>(() => env.Step([0f], obs));
    }

    [Fact]
    public void Step_before_reset_throws()
    {
        using var env = new MountainCarContinuous();
        Assert.Throws<InvalidOperationException>(() => env.Step([0f], new float[2]));
    }

    [Fact]
    public void Reset_starts_at_rest_between_minus_0_6_and_minus_0_4()
    {
        using var env = new MountainCarContinuous();
        var obs = new float[2];
        for (ulong seed = 0; seed < 200; seed++)
        {
            env.Reset(seed, obs);
            Assert.InRange(obs[0], -0.6f, -0.4f);
            Assert.Equal(0f, obs[1]);
        }
    }

    [Fact]
    public void Same_seed_gives_identical_episodes_and_different_seeds_differ()
    {
        static float[] Rock(int t) => [(t / 30) % 2 == 0 ? 1f : -1f];
        var a = Rollout(new MountainCarContinuous(), 11, 999, Rock);
        var b = Rollout(new MountainCarContinuous(), 11, 999, Rock);
        var c = Rollout(new MountainCarContinuous(), 12, 999, Rock);
        AssertSameEpisode(a, b);
        Assert.NotEqual(a.Observations[0], c.Observations[0]);
    }

    [Fact]
    public void Stepping_does_not_allocate()
    {
        using var env = new MountainCarContinuous();
        Assert.Equal(0, AllocatedBytesWhileStepping(env, [0.3f], 5_000));
    }

    private static void AssertState(MountainCarContinuous env, double position, double velocity, double tol = Tol)
    {
        var s = env.State;
        Assert.Equal(position, s.Position, tol);
        Assert.Equal(velocity, s.Velocity, tol);
    }
}
