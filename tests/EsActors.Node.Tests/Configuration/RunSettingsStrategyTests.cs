using Akka.Configuration;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests.Configuration;

/// <summary><c>esactors.run.strategy</c> and the timestep budget, read from HOCON.</summary>
public sealed class RunSettingsStrategyTests
{
    private static readonly Config Shipped = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "esactors.conf")));

    private static Config With(string hocon) => ConfigurationFactory.ParseString(hocon).WithFallback(Shipped);

    [Fact]
    public void The_default_is_openai_es_with_no_strategy_recorded()
    {
        var (definition, stop) = RunSettings.Build("Pendulum-v1", Shipped, new RunOverrides());
        Assert.Null(definition.Strategy);
        Assert.Equal(StrategyKind.OpenAiEs, definition.EffectiveStrategy.Kind);
        Assert.Null(stop.MaxTimesteps);
    }

    [Fact]
    public void The_linear_action_head_is_read_recorded_and_refused_where_it_cannot_apply()
    {
        var (tanh, _) = RunSettings.Build("Hopper-v4", Shipped, new RunOverrides());
        Assert.Equal(BoxHead.Tanh, tanh.BoxHead);
        var (linear, _) = RunSettings.Build("Hopper-v4", With("esactors.run.action-head = linear"), new RunOverrides());
        Assert.Equal(BoxHead.Linear, linear.BoxHead);
        Assert.Contains("action head (linear vs tanh)", linear.Differences(tanh)); // a resumed run refuses the change

        string Refusal(string env, string hocon) => Assert.Throws<UserError>(() => RunSettings.Build(env, With(hocon), new RunOverrides())).Message;
        Assert.Contains("Pendulum-v1 does not", Refusal("Pendulum-v1", "esactors.run.action-head = linear"));
        Assert.Contains("CartPole-v1 has discrete actions", Refusal("CartPole-v1", "esactors.run.action-head = linear"));
        Assert.Contains("exclude each other", Refusal("Hopper-v4", "esactors.run { action-head = linear, action-bins = 10 }"));
        Assert.Contains("unknown action-head 'clip' (expected tanh, linear)", Refusal("Hopper-v4", "esactors.run.action-head = clip"));
    }

    [Fact]
    public void Ars_v2_t_reads_its_directions_and_shift()
    {
        var (definition, _) = RunSettings.Build("Pendulum-v1",
            With("esactors.run { strategy = ars-v2-t, top-directions = 8, reward-shift = 1, observation-statistics-probability = 1, hidden = [] }"), new RunOverrides());
        Assert.Equal(new StrategySettings(StrategyKind.Ars, 8, 1), definition.Strategy);
    }

    [Fact]
    public void Cma_es_is_read_recorded_and_the_swimmer_preset_uses_it_within_the_budget_with_its_mean_averaged()
    {
        var (definition, _) = RunSettings.Build("Pendulum-v1", With("esactors.run { strategy = cma-es, weight-decay = 0, hidden = [] }"), new RunOverrides());
        Assert.Equal(new StrategySettings(StrategyKind.CmaEs), definition.Strategy);
        var swimmer = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "envs", "Swimmer-v4.conf"))).WithFallback(Shipped);
        var (preset, stop) = RunSettings.Build("Swimmer-v4", swimmer, new RunOverrides());
        Assert.Equal(StrategyKind.CmaEs, preset.EffectiveStrategy.Kind);
        Assert.Empty(preset.Network.Hidden);
        Assert.True((long)stop.MaxGenerations * preset.Population * 1000 <= 5_000_000); // Swimmer's episodes are 1,000 steps
        Assert.Null(stop.TargetReturn);
        Assert.Equal(0.97f, preset.PolicyAveraging); // its policy is the moving average of the mean
    }

    [Fact]
    public void A_timestep_budget_on_the_command_line_lifts_the_presets_generation_limit()
    {
        var (_, stop) = RunSettings.Build("Pendulum-v1", Shipped, new RunOverrides(Timesteps: 5000));
        Assert.Equal(5000, stop.MaxTimesteps);
        Assert.Equal(int.MaxValue, stop.MaxGenerations);
        var (_, both) = RunSettings.Build("Pendulum-v1", Shipped, new RunOverrides(Generations: 3, Timesteps: 5000));
        Assert.Equal(3, both.MaxGenerations);
    }

    [Fact]
    public void Target_return_none_runs_to_the_budget_even_where_gymnasium_has_a_threshold()
    {
        Assert.Equal(4800, RunSettings.Build("HalfCheetah-v4", Shipped, new RunOverrides()).Stop.TargetReturn);
        Assert.Null(RunSettings.Build("HalfCheetah-v4", With("esactors.run.target-return = none"), new RunOverrides()).Stop.TargetReturn);
        Assert.Equal(5000, RunSettings.Build("HalfCheetah-v4", With("esactors.run.target-return = 5000"), new RunOverrides()).Stop.TargetReturn);
        // The command line still wins over the preset's none.
        Assert.Equal(10, RunSettings.Build("HalfCheetah-v4", With("esactors.run.target-return = none"), new RunOverrides(TargetReturn: 10)).Stop.TargetReturn);
    }

    [Fact]
    public void A_learnt_sigma_is_an_openai_es_option()
    {
        var (definition, _) = RunSettings.Build("Pendulum-v1", With("esactors.run.sigma-learning-rate = 0.2"), new RunOverrides());
        Assert.Equal(new StrategySettings(SigmaLearningRate: 0.2), definition.Strategy);
        Assert.True(definition.EffectiveStrategy.LearnsSigma);
    }

    [Fact]
    public void A_sigma_schedule_is_read_per_layer()
    {
        var (definition, _) = RunSettings.Build("Pendulum-v1",
            With("esactors.run { hidden = [8, 8], sigma-schedule { start = [0.5, 1, 2], end = [0.5, 1, 0.5], generations = 100 } }"), new RunOverrides());
        Assert.Equal(new SigmaSchedule([0.5f, 1f, 2f], [0.5f, 1f, 0.5f], 100), definition.SigmaSchedule);
        var error = Assert.Throws<UserError>(() => RunSettings.Build("Pendulum-v1",
            With("esactors.run { hidden = [8, 8], sigma-schedule { start = [1, 1], end = [1, 1] } }"), new RunOverrides()));
        Assert.Contains("one multiplier per weight layer (3", error.Message);
    }

    [Fact]
    public void A_learning_rate_schedule_is_read_as_a_multiplier_of_the_learning_rate()
    {
        var (definition, _) = RunSettings.Build("Pendulum-v1", With("esactors.run.learning-rate-schedule { end = 0.1, generations = 150 }"), new RunOverrides());
        Assert.Equal(new LearningRateSchedule(0.1f, 150), definition.LearningRateSchedule);
        Assert.Null(RunSettings.Build("Pendulum-v1", Shipped, new RunOverrides()).Definition.LearningRateSchedule);
    }

    [Fact]
    public void Keep_best_policy_is_off_unless_asked_for()
    {
        Assert.True(RunSettings.Build("Pendulum-v1", With("esactors.run.keep-best-policy = on"), new RunOverrides()).Definition.KeepBestPolicy);
        Assert.False(RunSettings.Build("Pendulum-v1", Shipped, new RunOverrides()).Definition.KeepBestPolicy);
    }

    [Fact]
    public void Policy_averaging_is_off_unless_asked_for()
    {
        Assert.Equal(0.95f, RunSettings.Build("Pendulum-v1", With("esactors.run.policy-averaging = 0.95"), new RunOverrides()).Definition.PolicyAveraging);
        Assert.False(RunSettings.Build("Pendulum-v1", Shipped, new RunOverrides()).Definition.AveragesPolicy);
    }

    [Theory]
    [InlineData("esactors.run { hidden = [] }", new int[0])] // Akka's parser keeps blanks around a list in a one-line block
    [InlineData("esactors.run { hidden = [ ] }", new int[0])]
    [InlineData("esactors.run.hidden = []", new int[0])]
    [InlineData("esactors.run { hidden = [ 16 , 8 ] }", new[] { 16, 8 })]
    [InlineData("esactors.run {\n  hidden = [4]\n}", new[] { 4 })]
    public void Hidden_layers_read_in_every_list_form(string hocon, int[] hidden)
    {
        var (definition, _) = RunSettings.Build("Pendulum-v1", With(hocon), new RunOverrides());
        Assert.Equal(hidden, definition.Network.Hidden);
    }

    [Theory]
    [InlineData("esactors.run { hidden = [16, x] }", "esactors.run.hidden must be a list of integers, got [16, x]")]
    [InlineData("esactors.run { hidden = [0] }", "esactors.run.hidden must list positive layer widths, got 0")]
    public void A_bad_hidden_list_is_one_clear_error(string hocon, string message) =>
        Assert.Equal(message, Assert.Throws<UserError>(() => RunSettings.Build("Pendulum-v1", With(hocon), new RunOverrides())).Message);

    [Theory]
    [InlineData("keep-best-policy = best", "esactors.run.keep-best-policy must be")]
    [InlineData("policy-averaging = 1", "invalid run setting: policy-averaging must lie in [0, 1) (0 = off), got 1")]
    [InlineData("policy-averaging = 0.9, keep-best-policy = on", "policy-averaging and keep-best-policy exclude each other")]
    [InlineData("strategy = ars-v3", "unknown strategy 'ars-v3'")]
    [InlineData("strategy = ars-v1, observation-normalization = on", "needs observation-normalization = off")]
    [InlineData("strategy = ars-v2", "observation-statistics-probability = 1")]
    [InlineData("strategy = ars-v2-t, observation-statistics-probability = 1", "needs top-directions between 1 and 31")]
    [InlineData("strategy = ars-v1, observation-normalization = off, top-directions = 4", "uses every direction")]
    [InlineData("strategy = ars-v2-t, top-directions = 8, observation-statistics-probability = 1", "strategy ars-v2-t trains a linear policy from θ₀ = 0, where hidden layers get no gradient: set hidden = [] or use strategy openai-es")]
    [InlineData("top-directions = 4", "apply to the ars strategies only")]
    [InlineData("timesteps = 0", "--timesteps must be at least 1")]
    [InlineData("target-return = never", "esactors.run.target-return must be a finite number or none, got 'never'")]
    [InlineData("strategy = ars-v2, observation-statistics-probability = 1, sigma-learning-rate = 0.1", "applies to the openai-es strategy only")]
    [InlineData("sigma-learning-rate = -1", "sigma-learning-rate must be ≥ 0")]
    [InlineData("strategy = cma-es, hidden = []", "cma-es takes no gradient step: set weight-decay = 0, got 0.005")]
    [InlineData("strategy = cma-es, weight-decay = 0, hidden = [64, 64]", "cma-es keeps an n×n covariance: at most 512 parameters, the network has 4481")]
    [InlineData("strategy = cma-es, weight-decay = 0, top-directions = 4", "apply to the ars strategies only")]
    [InlineData("strategy = cma-es, weight-decay = 0, sigma-learning-rate = 0.1", "applies to the openai-es strategy only")]
    [InlineData("learning-rate-schedule { end = 0.1 }", "learning-rate-schedule needs end (the multiplier of learning-rate it reaches) and generations")]
    [InlineData("learning-rate-schedule { end = -1, generations = 10 }", "learning-rate-schedule end must be a number ≥ 0")]
    [InlineData("learning-rate-schedule { end = 0.1, generations = 0 }", "learning-rate-schedule generations must be at least 1")]
    [InlineData("learning-rate-schedule = 0.1", "esactors.run.learning-rate-schedule must be a { } block")]
    public void Inconsistent_strategy_settings_are_one_clear_error(string hocon, string message)
    {
        var error = Assert.Throws<UserError>(() => RunSettings.Build("Pendulum-v1", With($"esactors.run {{ {hocon} }}"), new RunOverrides()));
        Assert.Contains(message, error.Message);
    }
}
