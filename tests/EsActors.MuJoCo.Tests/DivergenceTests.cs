namespace EsActors.MuJoCo.Tests;

public class DivergenceTests
{
    public static TheoryData<string> Ids => MuJoCoTestSupport.Ids();

    [Theory]
    [MemberData(nameof(Ids))]
    public void Huge_velocity_ends_the_episode_as_terminated_without_crashing(string id)
    {
        using var env = MuJoCoTestSupport.Create(id);
        var obs = new float[env.Spec.ObservationSize];
        var action = new float[env.Spec.Action.Size];
        env.Reset(1, obs);
        env.Step(action, obs);
        env.SetQvelForTest(0, 1e30);
        var r = env.Step(action, obs);
        Assert.True(r.Terminated);
        Assert.Equal(0.0, r.Reward);
        Assert.True(env.Diverged);
        Assert.All(obs, v => Assert.True(float.IsFinite(v)));

        // The instance is usable again after a reset.
        env.Reset(2, obs);
        Assert.False(env.Diverged);
        var next = env.Step(action, obs);
        Assert.True(double.IsFinite(next.Reward));
        Assert.False(env.Diverged);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Non_finite_position_ends_the_episode(double value)
    {
        using var env = MuJoCoTestSupport.Create("Hopper-v4");
        var obs = new float[11];
        env.Reset(1, obs);
        env.SetQposForTest(3, value);
        var r = env.Step(new float[3], obs);
        Assert.True(r.Terminated);
        Assert.True(env.Diverged);
        Assert.All(obs, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Non_finite_action_ends_the_episode()
    {
        using var env = MuJoCoTestSupport.Create("Walker2d-v4");
        var obs = new float[17];
        env.Reset(1, obs);
        var r = env.Step([float.NaN, 0, 0, 0, 0, 0], obs);
        Assert.True(r.Terminated);
        Assert.True(env.Diverged);
        Assert.True(double.IsFinite(r.Reward));
    }

    [Fact]
    public void Huge_actions_are_clamped_to_the_ctrlrange_and_keep_the_simulation_finite()
    {
        using var env = MuJoCoTestSupport.Create("Hopper-v4");
        var obs = new float[11];
        env.Reset(1, obs);
        for (var t = 0; t < 200; t++)
        {
            var r = env.Step([1e30f, -1e30f, 1e30f], obs);
            Assert.All(obs, v => Assert.True(float.IsFinite(v)));
            if (r.Done) break;
        }
        Assert.False(env.Diverged);
    }
}
