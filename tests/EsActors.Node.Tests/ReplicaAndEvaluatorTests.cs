using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Node.Protocol;
using Xunit.Abstractions;
using EsActors.Domain.Es;
using EsActors.Domain.Scheduling;
using EsActors.Node.Evaluation;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests;

/// <summary>
/// The node-local parameter replica (replay of generation scalars, whole-state fetch on a digest mismatch,
/// stale requests) and the evaluator that uses it, with a probe acting as the optimizer. No cluster needed.
/// </summary>
public sealed class ReplicaAndEvaluatorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit((Config?)null, "replica-tests", output)
{
    private const string RunId = "replica-run";
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(15);

    private static readonly RunDefinition Run = RunSettings.Build("CartPole-v1",
        ConfigurationFactory.ParseString("esactors.run.noise-table-size = 65536").WithFallback(NodeConfig.RunSettings("CartPole-v1", null)),
        new RunOverrides(Seed: 11, Population: 8)).Definition;

    private static readonly RunState State0 = RunLogic.Apply(RunState.Empty, new RunStarted(Run, new StopCriteria(100, null)));

    /// <summary>A generation event as the optimizer would persist it; <paramref name="reversed"/> ranks the pairs the other way round.</summary>
    private static GenerationCompleted Generation(int generation, bool reversed = false)
    {
        var plan = PerturbationPlan.For(Run, generation, RunLogic.NoiseFor(Run));
        var n = Run.Pairs;
        double Rank(int i) => reversed ? n - 1 - i : i;
        return new GenerationCompleted(generation, plan.NoiseIndices,
            Enumerable.Range(0, n).Select(i => 10 + 3 * Rank(i)).ToArray(),
            Enumerable.Range(0, n).Select(i => 11 - Rank(i)).ToArray(),
            Enumerable.Repeat(10, n).ToArray(), Enumerable.Repeat(11, n).ToArray(),
            ObservationStatistics.Empty(Run.Network.Inputs),
            Enumerable.Repeat(15.0, Run.EvaluationEpisodes).ToArray(), Enumerable.Repeat(15, Run.EvaluationEpisodes).ToArray(), 0.1);
    }

    private static readonly RunState State1 = RunLogic.Apply(State0, Generation(0));
    private static readonly RunState State2 = RunLogic.Apply(State1, Generation(1));

    private static bool SameTheta(RunState a, RunState b) =>
        MemoryMarshal.AsBytes(a.Theta.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.Theta.AsSpan()));

    private ParameterReplica.ReplicaStats StatsOf(IActorRef replica) =>
        replica.Ask<ParameterReplica.ReplicaStats>(new ParameterReplica.GetReplicaStats(), Long).GetAwaiter().GetResult();

    /// <summary>Brings an empty replica to <paramref name="state"/> through a whole-state fetch.</summary>
    private void Load(IActorRef replica, TestProbe optimizer, RunState state)
    {
        replica.Tell(new ParameterReplica.AcquireState(RunId, state.Generation, state.Checksum(), optimizer.Ref));
        Assert.Equal(RunId, optimizer.ExpectMsg<FetchState>(Long).RunId);
        optimizer.Reply(new StateReply(RunId, state));
        Assert.Equal(state.Checksum(), ExpectMsg<ParameterReplica.StateReady>(Long).State.Checksum());
    }

    [Fact]
    public void Replica_that_missed_a_generation_catches_up_by_replaying()
    {
        Assert.NotEqual(State1.Checksum(), State2.Checksum());
        var optimizer = CreateTestProbe("optimizer");
        var replica = Sys.ActorOf(ParameterReplica.Props(replayWindow: 64));
        Load(replica, optimizer, State0);

        // The node missed generation 1 (it saw none of the batches of generations 0 and 1) and is asked for 2.
        replica.Tell(new ParameterReplica.AcquireState(RunId, 2, State2.Checksum(), optimizer.Ref));
        var request = optimizer.ExpectMsg<GetGenerations>(Long);
        Assert.Equal((RunId, 0, 2), (request.RunId, request.FromGeneration, request.ToGeneration));
        optimizer.Reply(new GenerationsReply(RunId, null, [Generation(0), Generation(1)], true));

        var ready = ExpectMsg<ParameterReplica.StateReady>(Long);
        Assert.Equal(2, ready.State.Generation);
        Assert.Equal(State2.Checksum(), ready.State.Checksum());
        Assert.True(SameTheta(State2, ready.State), "replayed θ differs from the optimizer's");
        optimizer.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no whole-state fetch was needed
        Assert.Equal(new ParameterReplica.ReplicaStats(2, 1, 2), StatsOf(replica));
    }

    [Fact]
    public void Replica_fetches_the_state_when_its_checksum_disagrees()
    {
        var optimizer = CreateTestProbe("optimizer");
        var replica = Sys.ActorOf(ParameterReplica.Props(replayWindow: 64));
        Load(replica, optimizer, State0);

        // The optimizer's generation 1 differs from what replaying the event gives this replica.
        var optimizerState1 = RunLogic.Apply(State0, Generation(0, reversed: true));
        Assert.NotEqual(State1.Checksum(), optimizerState1.Checksum());
        replica.Tell(new ParameterReplica.AcquireState(RunId, 1, optimizerState1.Checksum(), optimizer.Ref));
        optimizer.ExpectMsg<GetGenerations>(Long);
        optimizer.Reply(new GenerationsReply(RunId, null, [Generation(0)], true));

        Assert.Equal(RunId, optimizer.ExpectMsg<FetchState>(Long).RunId);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nobody is answered with the wrong state
        optimizer.Reply(new StateReply(RunId, optimizerState1));
        var ready = ExpectMsg<ParameterReplica.StateReady>(Long);
        Assert.Equal(optimizerState1.Checksum(), ready.State.Checksum());
        Assert.Equal(2, StatsOf(replica).Fetches);
    }

    [Fact]
    public void Replica_answers_stale_for_a_generation_it_has_passed()
    {
        var optimizer = CreateTestProbe("optimizer");
        var replica = Sys.ActorOf(ParameterReplica.Props(replayWindow: 64));
        Load(replica, optimizer, State2);

        replica.Tell(new ParameterReplica.AcquireState(RunId, 1, State1.Checksum(), optimizer.Ref));
        Assert.Equal(2, ExpectMsg<ParameterReplica.StateStale>(Long).ReplicaGeneration);
        optimizer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(2, StatsOf(replica).Generation);
    }

    private static SeedBatch PairBatch(RunState state, int batchId, int attempt)
    {
        var plan = PerturbationPlan.For(Run, state.Generation, RunLogic.NoiseFor(Run));
        var items = Enumerable.Range(0, Run.Pairs).Select(i => new WorkItem(i, false, plan.NoiseIndices[i], plan.EpisodeSeeds[i], plan.CollectStatistics[i])).ToArray();
        return new SeedBatch("node:1:2:0", RunId, state.Generation, batchId, attempt, state.Checksum(), 500, items);
    }

    private static SeedBatch EvaluationBatch(RunState state)
    {
        var plan = PerturbationPlan.For(Run, state.Generation, RunLogic.NoiseFor(Run));
        var items = Enumerable.Range(0, Run.EvaluationEpisodes).Select(k => new WorkItem(k, true, -1, plan.EvaluationSeeds[k], false)).ToArray();
        return new SeedBatch("node:1:2:0", RunId, state.Generation, 0, 1, state.Checksum(), 500, items);
    }

    [Fact]
    public void Evaluator_answers_a_seed_batch_with_one_finite_result_per_item()
    {
        var optimizer = CreateTestProbe("optimizer");
        var replica = Sys.ActorOf(ParameterReplica.Props(replayWindow: 64));
        var evaluator = Sys.ActorOf(EvaluatorActor.Props(replica, "test-node"));

        var batch = PairBatch(State0, batchId: 1, attempt: 3);
        evaluator.Tell(batch, optimizer.Ref);
        optimizer.ExpectMsg<FetchState>(Long); // the replica is empty: it fetches θ once
        optimizer.Reply(new StateReply(RunId, State0));
        var result = optimizer.ExpectMsg<BatchResult>(Long);

        Assert.Equal((batch.EvaluatorId, RunId, 0, 1, 3, "test-node"), (result.EvaluatorId, result.RunId, result.Generation, result.BatchId, result.Attempt, result.NodeAddress));
        Assert.Equal(batch.Items.Select(i => i.Index), result.Items.Select(i => i.Index));
        Assert.All(result.Items, item =>
        {
            Assert.False(item.IsEvaluation);
            Assert.True(double.IsFinite(item.ReturnPositive) && double.IsFinite(item.ReturnNegative));
            Assert.InRange(item.ReturnPositive, 1, 500); // CartPole: +1 per step, at most 500 steps
            Assert.InRange(item.ReturnNegative, 1, 500);
            Assert.InRange(item.LengthPositive, 1, 500);
            Assert.InRange(item.LengthNegative, 1, 500);
        });

        // The evaluation batch needs no second fetch, and the same batch evaluates to the same returns.
        var evaluation = EvaluationBatch(State0);
        evaluator.Tell(evaluation, optimizer.Ref);
        var evaluated = optimizer.ExpectMsg<BatchResult>(Long);
        Assert.Equal(Run.EvaluationEpisodes, evaluated.Items.Length);
        Assert.All(evaluated.Items, item => { Assert.True(item.IsEvaluation); Assert.InRange(item.ReturnPositive, 1, 500); });
        evaluator.Tell(batch, optimizer.Ref);
        var again = optimizer.ExpectMsg<BatchResult>(Long);
        Assert.Equal(result.Items.Select(i => (i.ReturnPositive, i.ReturnNegative)), again.Items.Select(i => (i.ReturnPositive, i.ReturnNegative)));
        Assert.Equal(1, StatsOf(replica).Fetches);
    }

    [Fact]
    public void Each_half_of_a_split_pair_evaluates_to_that_half_of_the_whole_pair()
    {
        var optimizer = CreateTestProbe("optimizer");
        var view = new ReplicaView();
        var replica = Sys.ActorOf(ParameterReplica.Props(replayWindow: 64, view));
        Load(replica, optimizer, State1);
        var evaluator = Sys.ActorOf(EvaluatorActor.Props(replica, "test-node", view));
        var whole = PairBatch(State1, batchId: 1, attempt: 1);
        var splittable = whole.Items.Where(i => !i.CollectStatistics).ToArray();
        Assert.NotEmpty(splittable);

        evaluator.Tell(whole, optimizer.Ref);
        var pairs = optimizer.ExpectMsg<BatchResult>(Long).Items.ToDictionary(i => i.Index);
        evaluator.Tell(whole with { BatchId = 2, Items = splittable.Select(i => i with { Half = PairHalf.Positive }).ToArray() }, optimizer.Ref);
        var positives = optimizer.ExpectMsg<BatchResult>(Long).Items;
        evaluator.Tell(whole with { BatchId = 3, Items = splittable.Select(i => i with { Half = PairHalf.Negative }).ToArray() }, optimizer.Ref);
        var negatives = optimizer.ExpectMsg<BatchResult>(Long).Items;

        Assert.Equal(splittable.Select(i => (i.Index, PairHalf.Positive)), positives.Select(r => (r.Index, r.Half)));
        Assert.Equal(splittable.Select(i => (i.Index, PairHalf.Negative)), negatives.Select(r => (r.Index, r.Half)));
        Assert.Equal(splittable.Select(i => (pairs[i.Index].ReturnPositive, pairs[i.Index].LengthPositive)), positives.Select(r => (r.ReturnPositive, r.LengthPositive)));
        Assert.Equal(splittable.Select(i => (pairs[i.Index].ReturnNegative, pairs[i.Index].LengthNegative)), negatives.Select(r => (r.ReturnNegative, r.LengthNegative)));
        Assert.All(positives, r => Assert.Equal(0, r.LengthNegative));
        Assert.All(negatives, r => Assert.Equal(0, r.LengthPositive));

        // A pair that samples observation statistics must stay whole: splitting it is refused, not half-done.
        evaluator.Tell(whole with { BatchId = 4, Items = [whole.Items[0] with { CollectStatistics = true, Half = PairHalf.Positive }] }, optimizer.Ref);
        Assert.Contains("statistics", optimizer.ExpectMsg<BatchRejected>(Long).Reason);
    }

    [Fact]
    public void Evaluator_reads_the_current_state_from_the_replica_view_without_asking_the_replica()
    {
        var optimizer = CreateTestProbe("optimizer");
        var view = new ReplicaView();
        var replica = Sys.ActorOf(ParameterReplica.Props(replayWindow: 64, view));
        Load(replica, optimizer, State1);
        Assert.Equal(State1.Checksum(), view.Current!.Checksum);
        var askedReplica = CreateTestProbe("replica");
        var evaluator = Sys.ActorOf(EvaluatorActor.Props(askedReplica.Ref, "test-node", view));

        evaluator.Tell(PairBatch(State1, batchId: 4, attempt: 1), optimizer.Ref);
        Assert.Equal(4, optimizer.ExpectMsg<BatchResult>(Long).BatchId);
        askedReplica.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Another generation (or digest) is not in the view: the replica is asked, as before.
        evaluator.Tell(PairBatch(State2, batchId: 5, attempt: 1), optimizer.Ref);
        var acquire = askedReplica.ExpectMsg<ParameterReplica.AcquireState>(Long);
        Assert.Equal((State2.Generation, State2.Checksum()), (acquire.Generation, acquire.Checksum));
    }

    [Fact]
    public void Evaluator_rejects_a_batch_whose_generation_is_past()
    {
        var optimizer = CreateTestProbe("optimizer");
        var replica = Sys.ActorOf(ParameterReplica.Props(replayWindow: 64));
        Load(replica, optimizer, State1);
        var evaluator = Sys.ActorOf(EvaluatorActor.Props(replica, "test-node"));

        var stale = PairBatch(State0, batchId: 2, attempt: 5);
        evaluator.Tell(stale, optimizer.Ref);
        var rejected = optimizer.ExpectMsg<BatchRejected>(Long);
        Assert.Equal((stale.EvaluatorId, RunId, 0, 2), (rejected.EvaluatorId, rejected.RunId, rejected.Generation, rejected.BatchId));
        Assert.Contains("stale", rejected.Reason);
    }
}
