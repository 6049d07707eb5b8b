namespace EsActors.MuJoCo.Tests;

public class EpisodeTests
{
    private static (int Steps, bool Terminated, bool Truncated) RunConstant(string id, float value, ulong seed = 3)
    {
        using var env = MuJoCoTestSupport.Create(id);
        var obs = new float[env.Spec.ObservationSize];
        var action = MuJoCoTestSupport.Constant(env.Spec, value);
        env.Reset(seed, obs);
        for (var t = 1; t <= 2000; t++)
        {
            var r = env.Step(action, obs);
            Assert.True(double.IsFinite(r.Reward));
            if (r.Done) return (t, r.Terminated, r.Truncated);
        }
        return (int.MaxValue, false, false);
    }

    [Fact]
    public void Hopper_falls_over_under_a_constant_action()
    {
        var (steps, terminated, truncated) = RunConstant("Hopper-v4", 1f);
        Assert.True(terminated);
        Assert.False(truncated);
        Assert.InRange(steps, 2, 300);
    }

    [Fact]
    public void Hopper_unhealthy_angle_and_height_terminate()
    {
        using var env = MuJoCoTestSupport.Create("Hopper-v4");
        var obs = new float[11];
        var zero = new float[3];

        env.Reset(1, obs);
        env.SetQposForTest(2, 0.5); // torso pitched beyond 0.2 rad
        Assert.True(env.Step(zero, obs).Terminated);

        env.Reset(1, obs);
        env.SetQposForTest(1, 0.5); // torso below 0.7 m
        Assert.True(env.Step(zero, obs).Terminated);

        env.Reset(1, obs);
        env.SetQvelForTest(4, 500); // |qvel| above the healthy state range (−100, 100) but far from divergence
        var r = env.Step(zero, obs);
        Assert.True(r.Terminated);
        Assert.False(env.Diverged);
        Assert.All(obs[5..], v => Assert.InRange(v, -10f, 10f)); // velocities are clipped to ±10 in the observation
    }

    [Fact]
    public void Hopper_first_step_reward_is_healthy_reward_plus_forward_velocity_minus_ctrl_cost()
    {
        using var env = MuJoCoTestSupport.Create("Hopper-v4");
        var obs = new float[11];
        env.Reset(9, obs);
        var x0 = env.GetQpos(0);
        var action = new[] { 0.5f, -0.25f, 1f };
        var r = env.Step(action, obs);
        var expected = (env.GetQpos(0) - x0) / 0.008 + 1.0 - 1e-3 * (0.25 + 0.0625 + 1.0);
        Assert.Equal(expected, r.Reward, 12);
        Assert.False(r.Terminated);
    }

    [Theory]
    [InlineData("Walker2d-v4", 0.008, 1.0, 1e-3, 1)]
    [InlineData("HalfCheetah-v4", 0.05, 0.0, 0.1, 1)]
    [InlineData("Swimmer-v4", 0.04, 0.0, 1e-4, 2)]
    public void Reward_is_forward_velocity_plus_healthy_reward_minus_ctrl_cost(string id, double dt, double healthy, double ctrlWeight, int obsOffset)
    {
        using var env = MuJoCoTestSupport.Create(id);
        var obs = new float[env.Spec.ObservationSize];
        env.Reset(4, obs);
        var x0 = env.GetQpos(0);
        var action = new float[env.Spec.Action.Size];
        for (var i = 0; i < action.Length; i++) action[i] = 0.9f - 0.3f * i;
        var r = env.Step(action, obs);
        var ctrl = action.Sum(a => (double)a * a);
        Assert.Equal((env.GetQpos(0) - x0) / dt + healthy - ctrlWeight * ctrl, r.Reward, 12);
        Assert.Equal((float)env.GetQpos(obsOffset), obs[0]); // positions excluded from the observation: x (and y for Swimmer)
    }

    [Fact]
    public void Walker2d_falls_over_under_a_constant_action()
    {
        var (steps, terminated, _) = RunConstant("Walker2d-v4", 1f);
        Assert.True(terminated);
        Assert.InRange(steps, 2, 1000);
    }

    [Fact]
    public void Humanoid_falls_without_control()
    {
        var (steps, terminated, _) = RunConstant("Humanoid-v4", 0f);
        Assert.True(terminated);
        Assert.InRange(steps, 2, 1000);
    }

    [Fact]
    public void Ant_terminates_when_the_torso_leaves_the_healthy_height()
    {
        using var env = MuJoCoTestSupport.Create("Ant-v4");
        var obs = new float[27];
        env.Reset(1, obs);
        env.SetQposForTest(2, 1.5);
        Assert.True(env.Step(new float[8], obs).Terminated);
    }

    [Theory]
    [InlineData("HalfCheetah-v4")]
    [InlineData("Swimmer-v4")]
    public void Tasks_without_termination_are_truncated_at_1000_steps(string id)
    {
        var (steps, terminated, truncated) = RunConstant(id, 0.3f);
        Assert.Equal(1000, steps);
        Assert.False(terminated);
        Assert.True(truncated);
    }

    [Fact]
    public void Ant_with_zero_action_stays_healthy_until_truncation()
    {
        var (steps, terminated, truncated) = RunConstant("Ant-v4", 0f);
        Assert.Equal(1000, steps);
        Assert.False(terminated);
        Assert.True(truncated);
    }

    [Fact]
    public void Step_before_reset_throws()
    {
        using var env = MuJoCoTestSupport.Create("Hopper-v4");
        Assert.Throws<InvalidOperationException>(() => env.Step(new float[3], new float[11]));
    }

    [Fact]
    public void Short_buffers_are_rejected()
    {
        using var env = MuJoCoTestSupport.Create("Hopper-v4");
        Assert.Throws<ArgumentException>(() => env.Reset(1, new float[10]));
        env.Reset(1, new float[11]);
        Assert.Throws<ArgumentException>(() => env.Step(new float[2], new float[11]));
    }
}
