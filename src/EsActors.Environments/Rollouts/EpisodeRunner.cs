using System.Numerics.Tensors;
using EsActors.Domain.Normalization;
using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;

namespace EsActors.Environments.Rollouts;

/// <summary>Return and length of one episode. <see cref="Return"/> may be non-finite if the environment misbehaves.</summary>
public readonly record struct EpisodeOutcome(double Return, int Length);

/// <summary>
/// Sees every step of an episode (what <c>play --record</c> writes): the step index from 0, the raw observation the
/// policy acted on, the action passed to the environment and what the environment answered.
/// </summary>
public delegate void StepObserver(int step, ReadOnlySpan<float> observation, ReadOnlySpan<float> action, StepResult result);

/// <summary>
/// Runs episodes of one environment under a policy given by a flat parameter vector. Owns its environment,
/// network scratch and buffers: after construction an episode allocates nothing. One per evaluator thread.
/// </summary>
public sealed class EpisodeRunner : IDisposable
{
    private const ulong ActionNoiseStream = 0x41435449UL;
    private readonly IEnvironment _environment;
    private readonly MlpPolicy _policy;
    private readonly ActionHead _head;
    private readonly float[] _observation, _normalized, _outputs, _action, _parameters, _observed;

    public EpisodeRunner(IEnvironment environment, NetworkShape network, int actionBins, BoxHead boxHead = BoxHead.Tanh)
    {
        var spec = environment.Spec;
        if (boxHead == BoxHead.Linear && !spec.ClampsActions)
            throw new ArgumentException($"{spec.Id} does not clamp actions itself: a linear action head needs one that does (the MuJoCo tasks)");
        _head = new ActionHead(spec.Action, actionBins, boxHead);
        if (network.Inputs != spec.ObservationSize || network.Outputs != _head.OutputSize)
            throw new ArgumentException($"network {network} does not fit {spec.Id} (needs {spec.ObservationSize} inputs and {_head.OutputSize} outputs)");
        _environment = environment;
        _policy = new MlpPolicy(network);
        _observation = new float[spec.ObservationSize];
        _normalized = new float[spec.ObservationSize];
        _outputs = new float[network.Outputs];
        _action = new float[spec.Action.PolicyOutputSize];
        _parameters = new float[network.ParameterCount];
        _observed = new float[spec.ObservationSize];
    }

    public EnvironmentSpec Spec => _environment.Spec;

    /// <summary>Network shape for an environment: observation size in, action head size out.</summary>
    public static NetworkShape ShapeFor(EnvironmentSpec spec, IReadOnlyList<int> hidden, Activation activation, int actionBins) =>
        new(spec.ObservationSize, hidden, ActionHead.NetworkOutputs(spec.Action, actionBins), activation);

    /// <summary>Runs one episode of θ + scale·ε (scale = ±σ; pass an empty ε for the noiseless policy).</summary>
    public EpisodeOutcome Run(
        ReadOnlySpan<float> theta, ReadOnlySpan<float> epsilon, float scale,
        ObservationNormalizer normalizer, ulong episodeSeed, int maxSteps,
        float actionNoiseStd = 0f, ObservationAccumulator? statistics = null, StepObserver? observer = null)
    {
        if (epsilon.IsEmpty) theta.CopyTo(_parameters);
        else TensorPrimitives.MultiplyAdd(epsilon, scale, theta, _parameters);
        return Roll(normalizer, episodeSeed, maxSteps, actionNoiseStd, statistics, observer);
    }

    /// <summary>Runs one episode of θ + sign·(σ ⊙ ε) with a σ per parameter (<paramref name="sigmas"/>) and sign ±1.</summary>
    public EpisodeOutcome Run(
        ReadOnlySpan<float> theta, ReadOnlySpan<float> epsilon, ReadOnlySpan<float> sigmas, float sign,
        ObservationNormalizer normalizer, ulong episodeSeed, int maxSteps,
        float actionNoiseStd = 0f, ObservationAccumulator? statistics = null)
    {
        TensorPrimitives.Multiply(epsilon, sigmas, _parameters);
        TensorPrimitives.MultiplyAdd(_parameters, sign, theta, _parameters);
        return Roll(normalizer, episodeSeed, maxSteps, actionNoiseStd, statistics, null);
    }

    private EpisodeOutcome Roll(ObservationNormalizer normalizer, ulong episodeSeed, int maxSteps, float actionNoiseStd, ObservationAccumulator? statistics, StepObserver? observer)
    {
        var rng = DeterministicRandom.ForStream(episodeSeed, ActionNoiseStream);
        _environment.Reset(episodeSeed, _observation);
        double total = 0;
        var steps = 0;
        while (steps < maxSteps)
        {
            statistics?.Add(_observation);
            normalizer.Normalize(_observation, _normalized);
            _policy.Forward(_parameters, _normalized, _outputs);
            _head.Map(_outputs, _action, actionNoiseStd, ref rng);
            // Step overwrites the observation in place: keep the one the policy acted on for the observer.
            if (observer is not null) _observation.CopyTo(_observed, 0);
            var result = _environment.Step(_action, _observation);
            observer?.Invoke(steps, _observed, _action, result);
            total += result.Reward;
            steps++;
            if (result.Done) break;
        }
        return new EpisodeOutcome(total, steps);
    }

    public void Dispose() => _environment.Dispose();
}
