using EsActors.Environments.ClassicControl;
using static EsActors.Environments.Tests.ClassicControl.ClassicControlTestKit;

namespace EsActors.Environments.Tests.ClassicControl;

public class AcrobotTests
{
    private const double Tol = 1e-12;
    private static readonly float[] TorqueMinus = [0f];
    private static readonly float[] TorqueZero = [1f];
    private static readonly float[] TorquePlus = [2f];

    [Fact]
    public void Spec_matches_gymnasium_registration()
    {
        var spec = new Acrobot().Spec;
        Assert.Equal("Acrobot-v1", spec.Id);
        Assert.Equal(6, spec.ObservationSize);
        Assert.Equal(ActionSpace.Discrete(3), spec.Action);
        Assert.Equal(500, spec.MaxEpisodeSteps);
        Assert.Equal(-100.0, spec.RewardThreshold);
    }

    [Fact]
    public void Hanging_at_rest_without_torque_stays_at_rest()
    {
        // All gravity terms are m·g·cos(θ − π/2) = m·g·sin θ = 0 at θ = 0, so every RK4 stage is zero
        // (up to cos(−π/2) = 6e−17 in floating point, hence the tolerance).
        using var env = new Acrobot();
        env.SetState(0, 0, 0, 0);
        var obs = new float[6];
        var r = env.Step(TorqueZero, obs);
        Assert.Equal(new StepResult(-1.0, false, false), r);
        float[] expected = [1f, 0f, 1f, 0f, 0f, 0f];
        for (var i = 0; i < 6; i++) Assert.Equal(expected[i], obs[i], 1e-12f);
        var s = env.State;
        Assert.Equal(0, s.Theta1, Tol);
        Assert.Equal(0, s.Theta2, Tol);
        Assert.Equal(0, s.DTheta1, Tol);
        Assert.Equal(0, s.DTheta2, Tol);
    }

    [Fact]
    public void Positive_torque_from_rest_follows_the_book_dynamics_under_rk4()
    {
        // First RK4 stage at rest with a = +1 (m = l = 1, lc = 0.5, I = 1, cos θ2 = 1, sin θ2 = 0):
        //   d1 = 0.25 + (1 + 0.25 + 1) + 2 = 4.5,  d2 = (0.25 + 0.5) + 1 = 1.75,  φ1 = φ2 = 0
        //   θ̈2 = a / (0.25 + 1 − d2²/d1) = 1 / (41/72) = 72/41,  θ̈1 = −d2·θ̈2 / d1 = −28/41
        // The remaining stages k2..k4 evaluate the same _dsdt at s + h/2·k1, s + h/2·k2, s + h·k3 (h = 0.2)
        // and s' = s + h/6·(k1 + 2k2 + 2k3 + k4); carried out by hand-transcribing the source equations:
        using var env = new Acrobot();
        env.SetState(0, 0, 0, 0);
        var obs = new float[6];

        Assert.Equal(new StepResult(-1.0, false, false), env.Step(TorquePlus, obs));
        AssertState(env, -0.013262967177227795, 0.03428722934738544, -0.12866185280996106, 0.33450108998660194);
        Assert.Equal((float)Math.Cos(-0.013262967177227795), obs[0]);
        Assert.Equal((float)Math.Sin(-0.013262967177227795), obs[1]);
        Assert.Equal((float)Math.Cos(0.03428722934738544), obs[2]);
        Assert.Equal((float)Math.Sin(0.03428722934738544), obs[3]);
        Assert.Equal((float)-0.12866185280996106, obs[4]);
        Assert.Equal((float)0.33450108998660194, obs[5]);

        env.Step(TorquePlus, obs);
        AssertState(env, -0.0484896538093726, 0.12748779480535294, -0.2132848732767469, 0.5754630640496233);

        // Step 3 reverses the torque (a = −1).
        env.Step(TorqueMinus, obs);
        AssertState(env, -0.06723706338620503, 0.18553771278886602, 0.030714304370452555, -0.0064477093097422555);
    }

    [Fact]
    public void Negative_torque_mirrors_positive_torque()
    {
        // The dynamics are odd under (θ, θ̇, a) → (−θ, −θ̇, −a).
        using var env = new Acrobot();
        env.SetState(0, 0, 0, 0);
        env.Step(TorqueMinus, new float[6]);
        AssertState(env, 0.013262967177227795, -0.03428722934738544, 0.12866185280996106, -0.33450108998660194);
    }

    [Fact]
    public void Swinging_above_the_bar_terminates_with_zero_reward()
    {
        // Before: −cos 2 − cos(2 + 0) = 0.8323 ≤ 1 (not terminal). With θ̇1 = 3 the first link swings up:
        // after one 0.2 s RK4 step θ1 = 2.49962, θ2 = 0.07681, so −cos θ1 − cos(θ1 + θ2) ≈ 1.64 > 1.
        using var env = new Acrobot();
        env.SetState(2.0, 0.0, 3.0, 0.0);
        var obs = new float[6];
        var r = env.Step(TorqueZero, obs);
        Assert.Equal(new StepResult(0.0, Terminated: true, Truncated: false), r);
        AssertState(env, 2.4996238624700258, 0.07680507749651626, 2.065386873304516, 0.7162237013853966);
        Assert.Throws<InvalidOperationException>(() => env.Step(TorqueZero, obs));
    }

    [Fact]
    public void Angles_wrap_into_minus_pi_to_pi()
    {
        // θ1 = 3.1 + ~1.035 = 4.135 > π, so wrap subtracts 2π: −2.1482285951923714.
        using var env = new Acrobot();
        env.SetState(3.1, 0.0, 5.0, 0.0);
        env.Step(TorqueZero, new float[6]);
        AssertState(env, -2.1482285951923714, -0.027058427726352217, 5.521457670309551, -0.3804996275819177);
    }

    [Fact]
    public void Velocities_are_bounded_after_integration()
    {
        // Unbounded RK4 would leave θ̇1 > 4π here; the source bounds it to 4π = 12.566370614359172
        // (θ2 also wraps: it passes +π and comes back as −2.7069).
        using var env = new Acrobot();
        env.SetState(-1.5, 0.0, 12.5, 28.0);
        env.Step(TorqueZero, new float[6]);
        AssertState(env, 2.882231808989248, -2.706926711586897, 4 * Math.PI, 16.06974100612997);
    }

    [Fact]
    public void Reaching_the_step_limit_truncates()
    {
        using var env = new Acrobot();
        var obs = new float[6];
        env.SetState(0, 0, 0, 0, steps: 498);
        Assert.Equal(new StepResult(-1.0, false, false), env.Step(TorqueZero, obs));
        Assert.Equal(new StepResult(-1.0, false, true), env.Step(TorqueZero, obs));
        Assert.Throws<InvalidOperationException>(() => env.Step(TorqueZero, obs));
    }

    [Fact]
    public void Full_episode_of_doing_nothing_truncates_with_return_minus_500()
    {
        var (_, results) = Rollout(new Acrobot(), 3, 1_000, _ => TorqueZero);
        Assert.Equal(500, results.Count);
        Assert.Equal(-500.0, results.Sum(r => r.Reward));
        Assert.True(results[^1].Truncated);
        Assert.DoesNotContain(results, r => r.Terminated);
    }

    [Fact]
    public void Step_before_reset_throws()
    {
        using var env = new Acrobot();
        Assert.Throws<InvalidOperationException>(() => env.Step(TorqueZero, new float[6]));
    }

    [Theory]
    [InlineData(3f)]
    [InlineData(-1f)]
    [InlineData(1.5f)]
    public void Invalid_action_index_throws(float action)
    {
        using var env = new Acrobot();
        env.Reset(1, new float[6]);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step([action], new float[6]));
    }

    [Fact]
    public void Reset_draws_each_variable_from_plus_minus_0_1()
    {
        using var env = new Acrobot();
        var obs = new float[6];
        for (ulong seed = 0; seed < 200; seed++)
        {
            env.Reset(seed, obs);
            var s = env.State;
            foreach (var v in new[] { s.Theta1, s.Theta2, s.DTheta1, s.DTheta2 }) Assert.InRange(v, -0.1, 0.1);
            Assert.Equal((float)s.DTheta1, obs[4]);
            Assert.Equal((float)s.DTheta2, obs[5]);
        }
    }

    [Fact]
    public void Same_seed_gives_identical_episodes_and_different_seeds_differ()
    {
        static float[] Pump(int t) => (t / 4) % 2 == 0 ? TorquePlus : TorqueMinus;
        var a = Rollout(new Acrobot(), 5, 500, Pump);
        var b = Rollout(new Acrobot(), 5, 500, Pump);
        var c = Rollout(new Acrobot(), 6, 500, Pump);
        AssertSameEpisode(a, b);
        Assert.NotEqual(a.Observations[0], c.Observations[0]);
    }

    [Fact]
    public void Stepping_does_not_allocate()
    {
        using var env = new Acrobot();
        Assert.Equal(0, AllocatedBytesWhileStepping(env, TorquePlus, 5_000));
    }

    private static void AssertState(Acrobot env, double theta1, double theta2, double dTheta1, double dTheta2)
    {
        var s = env.State;
        Assert.Equal(theta1, s.Theta1, Tol);
        Assert.Equal(theta2, s.Theta2, Tol);
        Assert.Equal(dTheta1, s.DTheta1, Tol);
        Assert.Equal(dTheta2, s.DTheta2, Tol);
    }
}
