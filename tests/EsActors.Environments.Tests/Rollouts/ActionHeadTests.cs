using EsActors.Domain.Normalization;
using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;
using EsActors.Environments.ClassicControl;
using EsActors.Environments.Rollouts;

namespace EsActors.Environments.Tests.Rollouts;

/// <summary>The paper's action techniques: discrete argmax, squashed boxes, discretisation into bins, action noise, episode cap.</summary>
public sealed class ActionHeadTests
{
    [Fact]
    public void Discrete_head_picks_the_largest_logit()
    {
        var head = new ActionHead(ActionSpace.Discrete(3), bins: 0);
        var action = new float[1];
        var rng = new DeterministicRandom(1);
        head.Map([0.1f, 2.5f, -1f], action, 0f, ref rng);
        Assert.Equal(1f, action[0]);
    }

    [Fact]
    public void Box_head_squashes_into_the_bounds()
    {
        var head = new ActionHead(ActionSpace.Box([-2f, 0f], [2f, 10f]), bins: 0);
        var action = new float[2];
        var rng = new DeterministicRandom(1);
        head.Map([0f, 1000f], action, 0f, ref rng);
        Assert.Equal(0f, action[0], 6);      // tanh(0) → the middle of [−2, 2]
        Assert.Equal(10f, action[1], 4);     // saturates at the upper bound
        head.Map([-1000f, 0f], action, 0f, ref rng);
        Assert.Equal(-2f, action[0], 4);
        Assert.Equal(5f, action[1], 5);
    }

    [Fact]
    public void Linear_box_head_passes_the_outputs_as_they_are_and_its_noise_is_not_clamped()
    {
        var head = new ActionHead(ActionSpace.Box([-0.4f, -1f], [0.4f, 1f]), bins: 0, BoxHead.Linear);
        var action = new float[2];
        var rng = new DeterministicRandom(1);
        head.Map([1.5f, -0.25f], action, 0f, ref rng);
        Assert.Equal([1.5f, -0.25f], action); // outside the box too: the task clamps it (and charges its cost)
        var noisy = new float[2];
        var sawOutside = false;
        for (var i = 0; i < 50 && !sawOutside; i++)
        {
            head.Map([0.39f, 0.99f], noisy, 0.5f, ref rng);
            sawOutside = noisy[0] > 0.4f || noisy[1] > 1f;
        }
        Assert.True(sawOutside);
        Assert.Throws<ArgumentException>(() => new ActionHead(ActionSpace.Discrete(2), bins: 0, BoxHead.Linear));
        Assert.Throws<ArgumentException>(() => new ActionHead(ActionSpace.Box(1, -1f, 1f), bins: 5, BoxHead.Linear));
    }

    [Fact]
    public void A_linear_head_is_refused_for_a_task_that_does_not_clamp_actions_itself()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new EpisodeRunner(new Pendulum(), new NetworkShape(3, [], 1, Activation.Tanh), actionBins: 0, BoxHead.Linear));
        Assert.Contains("Pendulum-v1 does not clamp actions itself", error.Message);
    }

    [Fact]
    public void Bins_map_each_dimension_to_evenly_spaced_values()
    {
        var head = new ActionHead(ActionSpace.Box(2, -1f, 1f), bins: 5);
        Assert.Equal(10, head.OutputSize);
        var action = new float[2];
        var rng = new DeterministicRandom(1);
        // Dimension 0: bin 0 wins → −1; dimension 1: bin 3 wins → −1 + 2·3/4 = 0.5.
        head.Map([9f, 0f, 0f, 0f, 0f, /* dim 1 */ 0f, 0f, 0f, 7f, 0f], action, 0f, ref rng);
        Assert.Equal(-1f, action[0]);
        Assert.Equal(0.5f, action[1]);
    }

    [Fact]
    public void Bins_are_refused_for_discrete_spaces_and_below_two()
    {
        Assert.Throws<ArgumentException>(() => new ActionHead(ActionSpace.Discrete(2), bins: 10));
        Assert.Throws<ArgumentException>(() => new ActionHead(ActionSpace.Box(1, -1f, 1f), bins: 1));
    }

    [Fact]
    public void Action_noise_is_reproducible_from_the_seed_and_stays_in_bounds()
    {
        var head = new ActionHead(ActionSpace.Box(1, -1f, 1f), bins: 0);
        float[] Draw(ulong seed)
        {
            var rng = new DeterministicRandom(seed);
            var values = new float[200];
            var action = new float[1];
            for (var i = 0; i < values.Length; i++) { head.Map([0.9f], action, 0.5f, ref rng); values[i] = action[0]; }
            return values;
        }
        var a = Draw(3); var b = Draw(3); var c = Draw(4);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(a, v => Assert.InRange(v, -1f, 1f));
        Assert.Contains(a, v => v != a[0]); // the noise actually moves the action
    }

    [Fact]
    public void Episode_runner_is_deterministic_per_seed_and_respects_the_step_cap()
    {
        var spec = CartPole.SpecV1;
        var shape = EpisodeRunner.ShapeFor(spec, [8], Activation.Tanh, 0);
        var theta = shape.InitialParameters(11);
        using var runner = new EpisodeRunner(new CartPole(), shape, 0);
        var normalizer = ObservationNormalizer.Identity(spec.ObservationSize);

        var first = runner.Run(theta, ReadOnlySpan<float>.Empty, 0f, normalizer, 42, spec.MaxEpisodeSteps);
        var again = runner.Run(theta, ReadOnlySpan<float>.Empty, 0f, normalizer, 42, spec.MaxEpisodeSteps);
        Assert.Equal(first, again);

        var capped = runner.Run(theta, ReadOnlySpan<float>.Empty, 0f, normalizer, 42, maxSteps: 3);
        Assert.Equal(3, Math.Min(first.Length, 3));
        Assert.Equal(Math.Min(first.Length, 3), capped.Length);
    }

    [Fact]
    public void Mirrored_perturbations_give_different_policies_from_the_same_episode_seed()
    {
        var spec = Pendulum.SpecV1;
        var shape = EpisodeRunner.ShapeFor(spec, [8], Activation.Tanh, 0);
        var theta = shape.InitialParameters(5);
        var epsilon = new float[theta.Length];
        var rng = new DeterministicRandom(9);
        for (var i = 0; i < epsilon.Length; i++) epsilon[i] = (float)rng.NextGaussian();
        using var runner = new EpisodeRunner(new Pendulum(), shape, 0);
        var normalizer = ObservationNormalizer.Identity(spec.ObservationSize);
        var plus = runner.Run(theta, epsilon, 0.5f, normalizer, 7, spec.MaxEpisodeSteps);
        var minus = runner.Run(theta, epsilon, -0.5f, normalizer, 7, spec.MaxEpisodeSteps);
        Assert.NotEqual(plus.Return, minus.Return);
        Assert.Equal(plus, runner.Run(theta, epsilon, 0.5f, normalizer, 7, spec.MaxEpisodeSteps));
    }
}
