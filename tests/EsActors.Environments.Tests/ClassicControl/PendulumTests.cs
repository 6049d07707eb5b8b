using EsActors.Environments.ClassicControl;
using static EsActors.Environments.Tests.ClassicControl.ClassicControlTestKit;

namespace EsActors.Environments.Tests.ClassicControl;

public class PendulumTests
{
    private const double Tol = 1e-12;

    [Fact]
    public void Spec_matches_gymnasium_registration()
    {
        var spec = new Pendulum().Spec;
        Assert.Equal("Pendulum-v1", spec.Id);
        Assert.Equal(3, spec.ObservationSize);
        Assert.Equal(ActionSpace.Box(1, -2f, 2f), spec.Action);
        Assert.Equal(200, spec.MaxEpisodeSteps);
        Assert.Null(spec.RewardThreshold);
    }

    [Fact]
    public void Torque_from_upright_rest_follows_the_published_update()
    {
        // g = 10, m = l = 1, dt = 0.05:
        //   cost     = normalize(th)² + 0.1·thdot² + 0.001·u²
        //   thdot'   = clip(thdot + (3g/(2l)·sin th + 3/(m l²)·u)·dt, ±8)
        //   th'      = th + thdot'·dt
        // Step 1 from (0, 0), u = 2: cost = 0.001·4 = 0.004; thdot' = 6·0.05 = 0.3; th' = 0.015.
        using var env = new Pendulum();
        env.SetState(0, 0);
        var obs = new float[3];
        var r1 = env.Step([2f], obs);
        Assert.Equal(-0.004, r1.Reward, Tol);
        Assert.False(r1.Terminated);
        Assert.False(r1.Truncated);
        Assert.Equal(0.015, env.State.Theta, Tol);
        Assert.Equal(0.3, env.State.ThetaDot, Tol);
        Assert.Equal([(float)Math.Cos(0.015), (float)Math.Sin(0.015), 0.3f], obs);

        // Step 2, u = 2: cost = 0.015² + 0.1·0.3² + 0.004 = 0.000225 + 0.009 + 0.004 = 0.013225
        //   thdot' = 0.3 + (15·sin 0.015 + 6)·0.05, sin 0.015 = 0.0149994375063281
        //          = 0.3 + 0.3112495781297461 = 0.6112495781297461; th' = 0.015 + 0.05·thdot'
        var r2 = env.Step([2f], obs);
        Assert.Equal(-0.013225, r2.Reward, Tol);
        Assert.Equal(0.6112495781297461, env.State.ThetaDot, Tol);
        Assert.Equal(0.015 + 0.05 * 0.6112495781297461, env.State.Theta, Tol);

        // Step 3, u = −1: cost = th² + 0.1·thdot² + 0.001 with the step-2 state = 0.04043854416048336.
        var r3 = env.Step([-1f], obs);
        Assert.Equal(-0.04043854416048336, r3.Reward, Tol);
        Assert.Equal(0.49540961541813544, env.State.ThetaDot, Tol);
        Assert.Equal(0.07033295967739409, env.State.Theta, Tol);
    }

    [Fact]
    public void Torque_is_clipped_to_two_in_dynamics_and_cost()
    {
        // u = 5 behaves as u = 2: cost 0.004 (not 0.025), thdot' = 0.3.
        using var env = new Pendulum();
        env.SetState(0, 0);
        var r = env.Step([5f], new float[3]);
        Assert.Equal(-0.004, r.Reward, Tol);
        Assert.Equal(0.3, env.State.ThetaDot, Tol);

        env.SetState(0, 0);
        env.Step([-5f], new float[3]);
        Assert.Equal(-0.3, env.State.ThetaDot, Tol);
    }

    [Fact]
    public void New_speed_is_clipped_to_eight_before_it_moves_the_angle()
    {
        // From (π/2, 7.9), u = 2: thdot' = 7.9 + (15·1 + 6)·0.05 = 8.95 → clipped to 8; th' = π/2 + 8·0.05.
        // cost = (π/2)² + 0.1·7.9² + 0.004 = 2.4674011002723395 + 6.241 + 0.004.
        using var env = new Pendulum();
        env.SetState(Math.PI / 2, 7.9);
        var r = env.Step([2f], new float[3]);
        Assert.Equal(8.0, env.State.ThetaDot, Tol);
        Assert.Equal(Math.PI / 2 + 0.4, env.State.Theta, Tol);
        Assert.Equal(-(2.4674011002723395 + 6.241 + 0.004), r.Reward, Tol);
    }

    [Fact]
    public void Angle_is_normalized_with_a_floored_modulo_like_python()
    {
        // Python: ((−3π/2 + π) % 2π) − π = (3π/2) − π = π/2 (a truncating % would give −3π/2).
        // So from (−3π/2, 0) with u = 0 the cost is (π/2)² = 2.4674011002723395.
        Assert.Equal(Math.PI / 2, Pendulum.AngleNormalize(-1.5 * Math.PI), Tol);
        Assert.Equal(-Math.PI / 2, Pendulum.AngleNormalize(1.5 * Math.PI), Tol);
        Assert.Equal(-Math.PI, Pendulum.AngleNormalize(Math.PI), Tol);
        using var env = new Pendulum();
        env.SetState(-1.5 * Math.PI, 0);
        Assert.Equal(-2.4674011002723395, env.Step([0f], new float[3]).Reward, Tol);
    }

    [Fact]
    public void Never_terminates_and_truncates_at_200_steps()
    {
        using var env = new Pendulum();
        var obs = new float[3];
        env.Reset(7, obs);
        for (var t = 1; t < 200; t++)
        {
            var r = env.Step([0.5f], obs);
            Assert.False(r.Terminated);
            Assert.False(r.Truncated);
        }
        var last = env.Step([0.5f], obs);
        Assert.False(last.Terminated);
        Assert.True(last.Truncated);
        Assert.Throws<InvalidOperationException>(() => env.Step([0f], obs));
    }

    [Fact]
    public void Step_before_reset_throws()
    {
        using var env = new Pendulum();
        Assert.Throws<InvalidOperationException>(() => env.Step([0f], new float[3]));
    }

    [Fact]
    public void Reset_draws_angle_in_plus_minus_pi_and_speed_in_plus_minus_one()
    {
        using var env = new Pendulum();
        var obs = new float[3];
        var sawNegativeSin = false;
        var sawPositiveSin = false;
        for (ulong seed = 0; seed < 200; seed++)
        {
            env.Reset(seed, obs);
            Assert.InRange(env.State.Theta, -Math.PI, Math.PI);
            Assert.InRange(obs[2], -1f, 1f);
            Assert.Equal(1.0, obs[0] * (double)obs[0] + obs[1] * (double)obs[1], 1e-6);
            sawNegativeSin |= obs[1] < 0;
            sawPositiveSin |= obs[1] > 0;
        }
        Assert.True(sawNegativeSin && sawPositiveSin);
    }

    [Fact]
    public void Same_seed_gives_identical_episodes_and_different_seeds_differ()
    {
        static float[] Torque(int t) => [(float)Math.Sin(t * 0.1) * 2f];
        var a = Rollout(new Pendulum(), 9, 200, Torque);
        var b = Rollout(new Pendulum(), 9, 200, Torque);
        var c = Rollout(new Pendulum(), 10, 200, Torque);
        AssertSameEpisode(a, b);
        Assert.Equal(200, a.Results.Count);
        Assert.NotEqual(a.Observations[0], c.Observations[0]);
    }

    [Fact]
    public void Stepping_does_not_allocate()
    {
        using var env = new Pendulum();
        Assert.Equal(0, AllocatedBytesWhileStepping(env, [1f], 5_000));
    }
}
