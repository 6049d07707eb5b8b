using Akka.Configuration;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Environments.Rollouts;

namespace EsActors.Node.Configuration;

/// <summary>Command-line values that override the HOCON run settings (null = not given).</summary>
public sealed record RunOverrides(ulong? Seed = null, int? Generations = null, double? TargetReturn = null, int? Population = null, float? Sigma = null, float? LearningRate = null,
    long? Timesteps = null);

/// <summary>Builds a <see cref="RunDefinition"/> and <see cref="StopCriteria"/> from <c>esactors.run</c> plus overrides.</summary>
public static class RunSettings
{
    public static (RunDefinition Definition, StopCriteria Stop) Build(string environmentId, Config config, RunOverrides overrides)
    {
        var spec = EnvironmentRegistry.GetSpec(environmentId);
        var c = config.GetConfig("esactors.run") ?? throw new UserError("configuration lacks the esactors.run section");
        RunKeys.Check(c);
        try
        {
            var population = overrides.Population ?? c.GetInt("population");
            if (population < 2 || population % 2 != 0) throw new UserError($"population must be an even number ≥ 2 (mirrored pairs), got {population}");
            var activation = ParseEnum<Activation>(c.GetString("activation", "tanh"), "activation", "tanh, relu");
            var optimizerKind = c.GetString("optimizer", "adam") switch
            {
                "adam" => OptimizerKind.Adam,
                "sgd-momentum" or "sgd" => OptimizerKind.SgdMomentum,
                var other => throw new UserError($"unknown optimizer '{other}' (expected adam or sgd-momentum)"),
            };
            var bins = c.GetInt("action-bins", 0);
            var boxHead = BoxHeadFor(spec, c.GetString("action-head", "tanh"));
            var hidden = (RunKeys.IntegerList(c.GetValue("hidden")) ?? throw new UserError("esactors.run.hidden must be a list of integers"))
                .Select(n => n is > 0 and <= int.MaxValue ? (int)n : throw new UserError($"esactors.run.hidden must list positive layer widths, got {n}")).ToArray();
            var definition = new RunDefinition(
                environmentId,
                EpisodeRunner.ShapeFor(spec, hidden, activation, spec.Action.IsDiscrete ? 0 : bins),
                overrides.Seed ?? 0,
                population / 2,
                overrides.Sigma ?? c.GetFloat("sigma"),
                new OptimizerSettings(optimizerKind, overrides.LearningRate ?? c.GetFloat("learning-rate"), Momentum: c.GetFloat("momentum", 0.9f)),
                c.GetFloat("weight-decay"),
                (ulong)c.GetLong("noise-seed", (long)NoiseTable.DefaultSeed),
                c.GetInt("noise-table-size", NoiseTable.DefaultSize),
                c.GetBoolean("observation-normalization"),
                c.GetDouble("observation-statistics-probability"),
                c.GetInt("evaluation-episodes"),
                c.GetFloat("action-noise", 0f),
                spec.Action.IsDiscrete ? 0 : bins,
                c.GetDouble("episode-cap-factor", 0),
                c.GetInt("snapshot-every", 20),
                Strategy(c, population / 2),
                Schedule(c),
                Decay(c),
                c.GetBoolean("keep-best-policy", false),
                boxHead,
                c.GetFloat("policy-averaging", 0f));
            definition.Validate();
            // ARS starts from θ₀ = 0 (Mania et al. 2018). With a hidden layer every hidden unit then outputs 0 and the
            // smoothed return is symmetric under flipping the signs of both layers' weights: its gradient is 0 there,
            // a saddle the run never leaves (measured on Swimmer-v4: stuck at 45, docs/learning.md).
            if (definition.EffectiveStrategy.Kind == StrategyKind.Ars && hidden.Length > 0)
                throw new UserError($"strategy {c.GetString("strategy")} trains a linear policy from θ₀ = 0, where hidden layers get no gradient: set hidden = [] or use strategy openai-es (hidden = [{string.Join(", ", hidden)}])");
            var timesteps = overrides.Timesteps ?? (c.HasPath("timesteps") ? c.GetLong("timesteps") : null);
            if (timesteps is < 1) throw new UserError($"--timesteps must be at least 1, got {timesteps}");
            // A timestep budget given on the command line replaces the preset's generation limit (unless --generations is given too).
            var generations = overrides.Generations ?? (overrides.Timesteps is not null ? int.MaxValue : c.GetInt("generations"));
            if (generations < 1) throw new UserError($"--generations must be at least 1, got {generations}");
            var target = overrides.TargetReturn ?? DefaultTargetReturn(c, spec);
            if (target is double t && !double.IsFinite(t)) throw new UserError($"--target-return must be a finite number, got {t}");
            return (definition, new StopCriteria(generations, target, timesteps));
        }
        catch (UserError) { throw; }
        catch (Exception e) when (e is ArgumentException or FormatException or ConfigurationException or InvalidCastException)
        {
            throw new UserError($"invalid run setting: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>
    /// The target a run stops at without --target-return: the preset's target-return (<c>none</c>: no target), else
    /// Gymnasium's reward threshold.
    /// </summary>
    public static double? DefaultTargetReturn(Config runSection, EnvironmentSpec spec) =>
        !runSection.HasPath("target-return") ? spec.RewardThreshold
        : runSection.GetString("target-return") == RunKeys.NoTarget ? null
        : runSection.GetDouble("target-return");

    /// <summary>
    /// <c>strategy</c>: openai-es (default), or ARS as Mania et al. name its variants: ars-v1 / ars-v2 use every
    /// direction, ars-v1-t / ars-v2-t the best <c>top-directions</c>; v2 normalizes observations with statistics from
    /// every step of every training rollout, v1 does not. The preset must say so consistently (checked here). cma-es:
    /// CMA-ES with the tutorial's defaults (σ₀ = sigma, λ = population).
    /// </summary>
    private static StrategySettings? Strategy(Config c, int pairs)
    {
        var name = c.GetString("strategy", "openai-es");
        var sigmaRate = c.GetDouble("sigma-learning-rate", 0);
        if (name == "openai-es")
        {
            if (c.GetInt("top-directions", 0) != 0 || c.GetDouble("reward-shift", 0) != 0) throw new UserError("top-directions and reward-shift apply to the ars strategies only");
            if (!(sigmaRate >= 0)) throw new UserError($"sigma-learning-rate must be ≥ 0 (0 = one sigma), got {sigmaRate}");
            return sigmaRate > 0 ? new StrategySettings(SigmaLearningRate: sigmaRate) : null;
        }
        if (sigmaRate != 0) throw new UserError("sigma-learning-rate (a learnt sigma per parameter) applies to the openai-es strategy only");
        if (name == "cma-es")
        {
            if (c.GetInt("top-directions", 0) != 0 || c.GetDouble("reward-shift", 0) != 0) throw new UserError("top-directions and reward-shift apply to the ars strategies only");
            return new StrategySettings(StrategyKind.CmaEs);
        }
        var (v2, top) = name switch
        {
            "ars-v1" => (false, false), "ars-v1-t" => (false, true), "ars-v2" => (true, false), "ars-v2-t" => (true, true),
            _ => throw new UserError($"unknown strategy '{name}' (expected openai-es, ars-v1, ars-v1-t, ars-v2, ars-v2-t or cma-es)"),
        };
        var normalize = c.GetBoolean("observation-normalization");
        if (normalize != v2)
            throw new UserError($"strategy {name} needs observation-normalization = {(v2 ? "on" : "off")}");
        if (v2 && c.GetDouble("observation-statistics-probability") < 1)
            throw new UserError($"strategy {name} updates the observation statistics from every rollout: set observation-statistics-probability = 1");
        var b = c.GetInt("top-directions", 0);
        if (top && (b < 1 || b >= pairs)) throw new UserError($"strategy {name} needs top-directions between 1 and {pairs - 1} (the population's pairs minus one), got {b}");
        if (!top && b != 0 && b != pairs) throw new UserError($"strategy {name} uses every direction: leave top-directions unset (or use {name}-t)");
        return new StrategySettings(StrategyKind.Ars, top ? b : 0, c.GetDouble("reward-shift", 0));
    }

    /// <summary>
    /// <c>sigma-schedule { start = [..], end = [..], generations = N }</c>: a multiplier of σ per weight layer, moving
    /// linearly from start to end over N generations (none when the block is absent).
    /// </summary>
    private static SigmaSchedule? Schedule(Config c)
    {
        if (!c.HasPath("sigma-schedule")) return null;
        var s = c.GetConfig("sigma-schedule");
        if (!s.HasPath("start") || !s.HasPath("end")) throw new UserError("sigma-schedule needs start and end: one multiplier of sigma per weight layer each");
        return new SigmaSchedule(s.GetFloatList("start").ToArray(), s.GetFloatList("end").ToArray(), s.GetInt("generations", 0));
    }

    /// <summary>
    /// <c>learning-rate-schedule { end = m, generations = N }</c>: the learning rate times a multiplier that falls
    /// linearly from 1 to m over N generations (none when the block is absent: a fixed learning rate).
    /// </summary>
    private static LearningRateSchedule? Decay(Config c)
    {
        if (!c.HasPath("learning-rate-schedule")) return null;
        var s = c.GetConfig("learning-rate-schedule");
        if (!s.HasPath("end") || !s.HasPath("generations"))
            throw new UserError("learning-rate-schedule needs end (the multiplier of learning-rate it reaches) and generations (over how many)");
        return new LearningRateSchedule(s.GetFloat("end"), s.GetInt("generations"));
    }

    /// <summary>The box head asked for, refused with one line where the environment cannot take it (with bins: RunDefinition.Validate).</summary>
    private static BoxHead BoxHeadFor(EnvironmentSpec spec, string value)
    {
        var head = ParseEnum<BoxHead>(value, "action-head", "tanh, linear");
        if (head == BoxHead.Tanh) return head;
        if (spec.Action.IsDiscrete) throw new UserError($"action-head = linear applies to box actions; {spec.Id} has discrete actions");
        if (!spec.ClampsActions)
            throw new UserError($"action-head = linear needs an environment that clamps actions itself (the MuJoCo tasks); {spec.Id} does not");
        return head;
    }

    private static T ParseEnum<T>(string value, string name, string expected) where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var result) ? result : throw new UserError($"unknown {name} '{value}' (expected {expected})");
}
