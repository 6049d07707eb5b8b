using EsActors.Domain.Randomness;

namespace EsActors.Environments.Tests.ClassicControl;

/// <summary>
/// The reward bounds the optimizer judges results by: every step a classic-control task really produces lies inside its
/// per-step bounds (random and extreme actions, many seeds), and the bounds refuse what no episode can return.
/// </summary>
public class RewardBoundsTests
{
    public static TheoryData<string> ClassicControl => new() { "CartPole-v1", "Pendulum-v1", "Acrobot-v1", "MountainCarContinuous-v0" };

    [Theory]
    [MemberData(nameof(ClassicControl))]
    public void Every_step_and_every_episode_of_random_and_extreme_actions_lies_inside_the_bounds(string id)
    {
        using var env = EnvironmentRegistry.Create(id);
        var bounds = env.Spec.Rewards;
        var rng = DeterministicRandom.ForStream(7, 0);
        for (ulong seed = 0; seed < 20; seed++)
        {
            var extreme = seed % 2 == 0;
            var (_, results) = ClassicControlTestKit.Rollout(env, seed, env.Spec.MaxEpisodeSteps, t => Action(env.Spec.Action, extreme, t, ref rng));
            var episodeReturn = 0.0;
            foreach (var r in results)
            {
                episodeReturn += r.Reward;
                if (!(r.Terminated && bounds.TerminalBonus > 0 && r.Reward > bounds.MaxPerStep))
                    Assert.InRange(r.Reward, bounds.MinPerStep, bounds.MaxPerStep);
            }
            Assert.True(bounds.Admits(episodeReturn, results.Count), $"{id} seed {seed}: return {episodeReturn} over {results.Count} steps outside {bounds.Describe(results.Count)}");
        }
    }

    private static float[] Action(ActionSpace space, bool extreme, int t, ref DeterministicRandom rng)
    {
        if (space.IsDiscrete) return [extreme ? t % space.Count : (float)Math.Min(space.Count - 1, Math.Floor(rng.NextUniform(0, space.Count)))];
        var action = new float[space.Size];
        for (var i = 0; i < action.Length; i++)
            action[i] = extreme ? (t / 7 % 2 == 0 ? space.Low[i] : space.High[i]) : (float)rng.NextUniform(space.Low[i], space.High[i]);
        return action;
    }

    [Fact]
    public void Bounds_scale_with_the_episode_length_and_refuse_what_no_episode_returns()
    {
        var cartPole = EnvironmentRegistry.GetSpec("CartPole-v1").Rewards;
        Assert.True(cartPole.Admits(500, 500));
        Assert.False(cartPole.Admits(1e6, 500));   // today's forged return
        Assert.False(cartPole.Admits(499, 500));
        Assert.False(cartPole.Admits(double.NaN, 10));
        Assert.True(cartPole.Admits(0, 0));        // a half that was not run
        Assert.False(cartPole.Admits(3, 0));
        Assert.False(cartPole.Admits(0, -1));

        var mountainCar = EnvironmentRegistry.GetSpec("MountainCarContinuous-v0").Rewards;
        Assert.True(mountainCar.Admits(100 - 0.1 * 80, 80)); // the goal's bonus once
        Assert.False(mountainCar.Admits(200, 80));

        var pendulum = EnvironmentRegistry.GetSpec("Pendulum-v1").Rewards;
        Assert.Equal(-(Math.PI * Math.PI + 6.4 + 0.004), pendulum.MinPerStep, 12);
        Assert.False(pendulum.Admits(0.001, 200));
    }

    [Fact]
    public void Every_registered_environment_has_finite_bounds_with_min_at_most_max()
    {
        foreach (var id in EnvironmentRegistry.Ids)
        {
            var b = EnvironmentRegistry.GetSpec(id).Rewards;
            Assert.True(double.IsFinite(b.MinPerStep) && double.IsFinite(b.MaxPerStep) && double.IsFinite(b.TerminalBonus), id);
            Assert.True(b.MinPerStep <= b.MaxPerStep && b.TerminalBonus >= 0, id);
        }
        // MuJoCo: Hopper's bounds are the stated speed limit plus the healthy reward, less the largest control cost.
        var hopper = EnvironmentRegistry.GetSpec("Hopper-v4").Rewards;
        Assert.Equal(RewardBounds.MuJoCoMaxSpeed + 1, hopper.MaxPerStep, 12);
        Assert.Equal(-RewardBounds.MuJoCoMaxSpeed - 3e-3, hopper.MinPerStep, 12);
        Assert.False(hopper.Admits(1e6, 1000));
    }

    [Fact]
    public void A_linear_head_lifts_only_the_lower_bound_the_upper_one_still_refuses()
    {
        // Actions outside the box pay a control cost without limit; nothing adds reward, so the upper bound holds.
        var spec = EnvironmentRegistry.GetSpec("Hopper-v4");
        Assert.Same(spec.Rewards, spec.RewardsFor(Domain.Policies.BoxHead.Tanh));
        var linear = spec.RewardsFor(Domain.Policies.BoxHead.Linear);
        Assert.False(spec.Rewards.Admits(-1e7, 1000));
        Assert.True(linear.Admits(-1e7, 1000));
        Assert.False(linear.Admits(1e6, 1000));
        Assert.True(linear.Admits((RewardBounds.MuJoCoMaxSpeed + 1) * 1000, 1000));
        Assert.False(linear.Admits(double.NaN, 1000));
        Assert.False(linear.Admits(-5, 0));
    }
}
