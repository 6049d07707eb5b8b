using Akka.Configuration;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Environments.Rollouts;

namespace EsActors.Node.Configuration;

/// <summary>Command-line values that override the HOCON run settings (null = not given).</summary>
public sealed record RunOverrides(ulong? Seed = null, int? Generations = null, double? TargetReturn = null, int? Population = null, float? Sigma = null, float? LearningRate = null);

/// <summary>Builds a <see cref="RunDefinition"/> and <see cref="StopCriteria"/> from <c>esactors.run</c> plus overrides.</summary>
public static class RunSettings
{
    public static (RunDefinition Definition, StopCriteria Stop) Build(string environmentId, Config config, RunOverrides overrides)
    {
        var spec = EnvironmentRegistry.GetSpec(environmentId);
        var c = config.GetConfig("esactors.run") ?? throw new UserError("configuration lacks the esactors.run section");
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
            var hidden = c.GetIntList("hidden").ToArray();
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
                c.GetInt("snapshot-every", 20));
            definition.Validate();
            var generations = overrides.Generations ?? c.GetInt("generations");
            if (generations < 1) throw new UserError($"--generations must be at least 1, got {generations}");
            // Target: --target-return, else the preset's target-return, else Gymnasium's reward threshold.
            var target = overrides.TargetReturn ?? (c.HasPath("target-return") ? c.GetDouble("target-return") : spec.RewardThreshold);
            return (definition, new StopCriteria(generations, target));
        }
        catch (UserError) { throw; }
        catch (Exception e) when (e is ArgumentException or FormatException or ConfigurationException or InvalidCastException)
        {
            throw new UserError($"invalid run setting: {e.Message.Split('\n')[0]}");
        }
    }

    private static T ParseEnum<T>(string value, string name, string expected) where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var result) ? result : throw new UserError($"unknown {name} '{value}' (expected {expected})");
}
