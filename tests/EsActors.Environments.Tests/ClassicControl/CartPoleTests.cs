using EsActors.Environments.ClassicControl;
using static EsActors.Environments.Tests.ClassicControl.ClassicControlTestKit;

namespace EsActors.Environments.Tests.ClassicControl;

public class CartPoleTests
{
    private const double Tol = 1e-12;
    private static readonly float[] Left = [0f];
    private static readonly float[] Right = [1f];

    [Fact]
    public void Spec_matches_gymnasium_registration()
    {
        var spec = new CartPole().Spec;
        Assert.Equal("CartPole-v1", spec.Id);
        Assert.Equal(4, spec.ObservationSize);
        Assert.Equal(ActionSpace.Discrete(2), spec.Action);
        Assert.Equal(500, spec.MaxEpisodeSteps);
        Assert.Equal(475.0, spec.RewardThreshold);
    }

    [Fact]
    public void Pushing_right_from_rest_follows_the_euler_equations()
    {
        // At theta = 0 (cos 1, sin 0) with F = +10, total mass 1.1, pole mass·half-length 0.05:
        //   temp     = F / 1.1                                  = 100/11
        //   thetaacc = (g·0 − temp) / (0.5·(4/3 − 0.1/1.1))     = −(100/11) / (41/66) = −600/41
        //   xacc     = temp − 0.05·thetaacc / 1.1               = 400/41
        // Euler with tau 0.02 moves positions with the OLD velocities:
        //   step 1: x = 0, x_dot = 0.02·400/41 = 8/41, theta = 0, theta_dot = −0.02·600/41 = −12/41
        //   step 2: theta is still 0 at the start, so the accelerations repeat:
        //           x = 0.02·8/41, x_dot = 16/41, theta = 0.02·(−12/41), theta_dot = −24/41
        using var env = new CartPole();
        env.SetState(0, 0, 0, 0);
        var obs = new float[4];

        var r1 = env.Step(Right, obs);
        Assert.Equal(new StepResult(1.0, false, false), r1);
        AssertState(env, 0, 8.0 / 41, 0, -12.0 / 41);
        Assert.Equal([0f, (float)(8.0 / 41), 0f, (float)(-12.0 / 41)], obs);

        env.Step(Right, obs);
        AssertState(env, 0.02 * 8 / 41, 16.0 / 41, 0.02 * -12 / 41, -24.0 / 41);

        // Step 3 (theta ≠ 0): sin/cos of theta = −0.24/41 enter; worked through the same formulas
        // (temp = (10 + 0.05·(24/41)²·sin θ)/1.1, ...) giving:
        env.Step(Right, obs);
        AssertState(env, 0.011707317073170733, 0.585447355516259, -0.0175609756097561, -0.8798869825388553);

        // Step 4 pushes left: F = −10.
        env.Step(Left, obs);
        AssertState(env, 0.023416264183495912, 0.3905683361553547, -0.035158715260533206, -0.5927761875519675);
    }

    [Fact]
    public void Pole_falls_when_always_pushed_right_and_the_terminating_step_still_pays_one()
    {
        // Iterating the equations above from rest, theta first leaves ±12° (0.20944 rad) at step 9,
        // at theta ≈ −0.215186 (the cart accelerates right, so the pole falls left).
        using var env = new CartPole();
        env.SetState(0, 0, 0, 0);
        var obs = new float[4];
        for (var t = 1; t <= 8; t++)
            Assert.Equal(new StepResult(1.0, false, false), env.Step(Right, obs));
        var last = env.Step(Right, obs);
        Assert.Equal(new StepResult(1.0, Terminated: true, Truncated: false), last);
        Assert.Equal(-0.21518604988500967, env.State.Theta, Tol);
        Assert.Throws<InvalidOperationException>(() => env.Step(Right, obs));
    }

    [Fact]
    public void Cart_leaving_the_track_terminates()
    {
        // x' = x + 0.02·x_dot = 2.39 + 0.02 = 2.41 > 2.4.
        using var env = new CartPole();
        env.SetState(2.39, 1.0, 0, 0);
        var result = env.Step(Left, new float[4]);
        Assert.True(result.Terminated);
        Assert.False(result.Truncated);
        Assert.Equal(1.0, result.Reward);
    }

    [Fact]
    public void Reaching_the_step_limit_truncates()
    {
        using var env = new CartPole();
        var obs = new float[4];
        env.SetState(0, 0, 0, 0, steps: 498);
        Assert.Equal(new StepResult(1.0, false, false), env.Step(Right, obs)); // step 499
        Assert.Equal(new StepResult(1.0, false, true), env.Step(Left, obs));   // step 500
        Assert.Throws<InvalidOperationException>(() => env.Step(Right, obs));
    }

    [Fact]
    public void A_terminal_state_at_the_step_limit_is_terminated_not_truncated()
    {
        using var env = new CartPole();
        env.SetState(2.39, 1.0, 0, 0, steps: 499);
        Assert.Equal(new StepResult(1.0, Terminated: true, Truncated: false), env.Step(Left, new float[4]));
    }

    [Fact]
    public void Step_before_reset_throws()
    {
        using var env = new CartPole();
        Assert.Throws<InvalidOperationException>(() => env.Step(Right, new float[4]));
    }

    [Theory]
    [InlineData(2f)]
    [InlineData(-1f)]
    [InlineData(0.5f)]
    [InlineData(float.NaN)]
    public void Invalid_action_index_throws(float action)
    {
        using var env = new CartPole();
        env.Reset(1, new float[4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step([action], new float[4]));
    }

    [Fact]
    public void Reset_draws_each_variable_from_plus_minus_0_05()
    {
        using var env = new CartPole();
        var obs = new float[4];
        for (ulong seed = 0; seed < 200; seed++)
        {
            env.Reset(seed, obs);
            foreach (var v in obs) Assert.InRange(v, -0.05f, 0.05f);
        }
    }

    [Fact]
    public void Same_seed_gives_identical_episodes_and_different_seeds_differ()
    {
        static float[] Alternate(int t) => t % 3 == 0 ? Left : Right;
        var a = Rollout(new CartPole(), 42, 500, Alternate);
        var b = Rollout(new CartPole(), 42, 500, Alternate);
        var c = Rollout(new CartPole(), 43, 500, Alternate);
        AssertSameEpisode(a, b);
        Assert.NotEqual(a.Observations[0], c.Observations[0]);
    }

    [Fact]
    public void Stepping_does_not_allocate()
    {
        using var env = new CartPole();
        Assert.Equal(0, AllocatedBytesWhileStepping(env, Right, 5_000));
    }

    private static void AssertState(CartPole env, double x, double xDot, double theta, double thetaDot)
    {
        var s = env.State;
        Assert.Equal(x, s.X, Tol);
        Assert.Equal(xDot, s.XDot, Tol);
        Assert.Equal(theta, s.Theta, Tol);
        Assert.Equal(thetaDot, s.ThetaDot, Tol);
    }
}
