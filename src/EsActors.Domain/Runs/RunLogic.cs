using EsActors.Domain.Es;
using EsActors.Domain.Normalization;

namespace EsActors.Domain.Runs;

/// <summary>The run's pure logic: Decide (command → events) and Apply (event → state).</summary>
public static class RunLogic
{
    public static Decision Decide(RunState state, IRunCommand command) => command switch
    {
        StartRun start => DecideStart(state, start),
        CompleteGeneration complete => DecideGeneration(state, complete.Result),
        _ => Decision.Reject($"unknown command {command.GetType().Name}"),
    };

    private static Decision DecideStart(RunState state, StartRun start)
    {
        try { start.Definition.Validate(); }
        catch (ArgumentException e) { return Decision.Reject(e.Message); }
        if (!state.IsStarted) return Decision.Accept(new RunStarted(start.Definition, start.Stop));
        var differences = state.Definition!.Differences(start.Definition);
        if (differences.Count > 0)
            return Decision.Reject($"the journal's run differs from the requested one in: {string.Join("; ", differences)}");
        return state.Stop == start.Stop ? Decision.Accept() : Decision.Accept(new StopCriteriaChanged(start.Stop));
    }

    private static Decision DecideGeneration(RunState state, GenerationCompleted result)
    {
        if (!state.IsStarted) return Decision.Reject("the run has not started");
        var run = state.Definition!;
        if (result.Generation != state.Generation) return Decision.Reject($"result for generation {result.Generation}, expected {state.Generation}");
        if (state.IsFinished) return Decision.Reject("the run is finished");
        var n = run.Pairs;
        if (result.NoiseIndices.Length != n || result.ReturnsPositive.Length != n || result.ReturnsNegative.Length != n
            || result.LengthsPositive.Length != n || result.LengthsNegative.Length != n)
            return Decision.Reject($"generation {result.Generation} must hold {n} pairs");
        if (result.EvaluationReturns.Length != run.EvaluationEpisodes || result.EvaluationLengths.Length != run.EvaluationEpisodes)
            return Decision.Reject($"generation {result.Generation} must hold {run.EvaluationEpisodes} evaluation episodes");
        if (result.ReturnsPositive.Concat(result.ReturnsNegative).Concat(result.EvaluationReturns).Any(r => !double.IsFinite(r)))
            return Decision.Reject($"generation {result.Generation} holds a non-finite return");
        var expected = PerturbationPlan.For(run, state.Generation, NoiseFor(run)).NoiseIndices;
        if (!expected.AsSpan().SequenceEqual(result.NoiseIndices))
            return Decision.Reject($"generation {result.Generation} used noise indices that differ from its plan");
        if (result.ObservationDelta.Size != state.ObservationStatistics.Size)
            return Decision.Reject("observation statistics delta has the wrong size");
        return Decision.Accept(result);
    }

    public static RunState Apply(RunState state, IRunEvent @event) => @event switch
    {
        RunStarted started => Start(started),
        StopCriteriaChanged changed => state with { Stop = changed.Stop },
        GenerationCompleted generation => Update(state, generation),
        _ => throw new ArgumentException($"unknown event {@event.GetType().Name}"),
    };

    public static NoiseTable NoiseFor(RunDefinition run) => NoiseTable.Shared(run.NoiseSeed, run.NoiseTableSize);

    private static RunState Start(RunStarted started)
    {
        var run = started.Definition;
        // ARS (Mania et al. 2018) and CMA-ES start from θ = 0; OpenAI-ES from the network's seeded initialisation.
        var kind = run.EffectiveStrategy.Kind;
        var theta = kind == StrategyKind.OpenAiEs ? run.Network.InitialParameters(run.Seed) : new float[run.Network.ParameterCount];
        return new RunState(run, started.Stop, 0, theta, OptimizerState.Zero(theta.Length),
            ObservationStatistics.Initial(run.Network.Inputs), 0, null, 0, 0,
            run.EffectiveStrategy.LearnsSigma ? Enumerable.Repeat(run.Sigma, theta.Length).ToArray() : null,
            Cma: kind == StrategyKind.CmaEs ? CmaState.Initial(theta.Length, run.Sigma) : null,
            AverageTheta: run.AveragesPolicy ? (float[])theta.Clone() : null);
    }

    /// <summary>
    /// Applies a generation: the ES step on θ (<see cref="EsStep.Tell"/>), then the run's book-keeping
    /// (observation statistics, timesteps, the last evaluation, the mean episode length).
    /// </summary>
    private static RunState Update(RunState state, GenerationCompleted g)
    {
        var run = state.RequireDefinition();
        var n = run.Pairs;
        var (theta, optimizer, sigmas, cma) = (state.Theta, state.Optimizer, state.Sigmas, state.Cma);
        if (cma is not null)
            (theta, cma) = cma.Tell(CmaConstants.For(theta.Length, run.Population), theta, NoiseFor(run), g.NoiseIndices, g.ReturnsPositive, g.ReturnsNegative, g.Generation);
        else (theta, optimizer, sigmas) = EsStep.Tell(run, NoiseFor(run), state.Theta, state.Optimizer, state.Sigmas, g);

        var statistics = run.ObservationNormalization && g.ObservationDelta.Count > 0
            ? state.ObservationStatistics.Merge(g.ObservationDelta)
            : state.ObservationStatistics;
        // The evaluation episodes of generation g ran θ_g with the statistics of state g, i.e. before this update.
        var evaluation = g.MeanEvaluationReturn;
        var best = run.KeepBestPolicy && (state.Best is null || evaluation > state.Best.EvaluationMean)
            ? new BestPolicy(state.Generation, evaluation, state.Theta, state.ObservationStatistics)
            : state.Best;
        return state with
        {
            Best = best,
            AverageTheta = state.AverageTheta is { } average ? MovingAverage(average, theta, run.PolicyAveraging) : null,
            Generation = state.Generation + 1,
            Theta = theta,
            Optimizer = optimizer,
            Sigmas = sigmas,
            Cma = cma,
            ObservationStatistics = statistics,
            Timesteps = state.Timesteps + g.TrainingTimesteps + g.EvaluationTimesteps,
            TrainingTimesteps = state.TrainingTimesteps + g.TrainingTimesteps,
            LastEvaluationMean = g.MeanEvaluationReturn,
            MeanEpisodeLength = (g.LengthsPositive.Sum(l => (double)l) + g.LengthsNegative.Sum(l => (double)l)) / (2.0 * n),
        };
    }

    /// <summary>β θ̄ + (1 − β) θ, element by element in a fixed order (a new array; states are immutable).</summary>
    public static float[] MovingAverage(float[] average, float[] theta, float beta)
    {
        var next = new float[average.Length];
        for (var i = 0; i < next.Length; i++) next[i] = beta * average[i] + (1f - beta) * theta[i];
        return next;
    }
}
