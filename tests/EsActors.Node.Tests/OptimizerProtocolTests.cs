using EsActors.Domain.Runs;
using Akka.Actor;
using Akka.TestKit;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;
using EsActors.Domain.Es;
using EsActors.Domain.Scheduling;
using EsActors.Node.Optimizer;
using EsActors.Node.Configuration;
using Microsoft.Data.Sqlite;

namespace EsActors.Node.Tests;

/// <summary>
/// The optimizer's dispatch protocol against a probe standing in for the evaluator shard region: the test plays
/// the evaluators and answers seed batches with hand-made results. Real SQLite journal, one-node cluster with
/// two slots, batch deadline 1 s, no backup copies, one pair batch per slot (3 batches per generation).
/// </summary>
public sealed class OptimizerProtocolTests(ITestOutputHelper output) : ClusterTestKit(output)
{
    private const string RunId = "protocol-run";

    /// <summary>Batches of <paramref name="generation"/> before any timing is known (one pair or pair half at least).</summary>
    private int BatchesPerGeneration(DispatchSettings settings, int generation = 0)
    {
        var run = Definition().Definition;
        return new GenerationWork(run, PerturbationPlan.For(run, generation, RunLogic.NoiseFor(run)), Slots * settings.BatchesPerSlot, Slots).Batches.Count;
    }

    private (IActorRef Optimizer, TestProbe Evaluators) StartRun(int generations = 10, DispatchSettings? settings = null)
    {
        var evaluators = CreateTestProbe("evaluators");
        var optimizer = Sys.ActorOf(OptimizerActor.Props(RunId, settings ?? Settings, evaluators.Ref, mediator: null), "optimizer");
        AwaitSlotsKnown(optimizer);
        var (definition, stop) = Definition(generations);
        optimizer.Tell(new StartRunRequest(RunId, definition, stop));
        var accepted = ExpectMsg<RunAccepted>(Long);
        Assert.Equal(RunId, accepted.RunId);
        Assert.Equal(0, accepted.Generation);
        Assert.False(accepted.Finished);
        return (optimizer, evaluators);
    }

    /// <summary>Answers every batch of <paramref name="generation"/> until all its batches are answered once.</summary>
    private void AnswerGeneration(IActorRef optimizer, TestProbe evaluators, int generation, int batches)
    {
        var answered = new HashSet<int>();
        while (answered.Count < batches)
        {
            var batch = evaluators.ExpectMsg<SeedBatch>(Long);
            Assert.Equal(generation, batch.Generation);
            optimizer.Tell(FakeResults.For(batch), evaluators.Ref);
            answered.Add(batch.BatchId);
        }
    }

    [Fact]
    public void Cheap_episodes_make_the_next_generation_cut_into_fewer_bigger_batches()
    {
        // Every batch reports 0.01 s: with min-batch-time 1 s a batch would need 100 pairs, capped at a slot's share.
        var (optimizer, evaluators) = StartRun(settings: Settings with { BatchTimeout = TimeSpan.FromMinutes(5), MinBatchTime = TimeSpan.FromSeconds(1) });
        var run = Definition().Definition;
        AnswerGeneration(optimizer, evaluators, 0, BatchesPerGeneration(Settings));

        var share = (run.Pairs + Slots - 1) / Slots;
        var pairBatches = GenerationWork.PairRanges(run.Pairs, Slots * Settings.BatchesPerSlot, Slots, minPairs: 100).Count;
        var evaluationsPerBatch = (run.EvaluationEpisodes + Slots - 1) / Slots;
        var evaluationBatches = (run.EvaluationEpisodes + evaluationsPerBatch - 1) / evaluationsPerBatch;
        var expected = pairBatches + evaluationBatches;
        Assert.True(expected < BatchesPerGeneration(Settings), "the test needs a generation that can be cut coarser");
        var second = new List<SeedBatch>();
        while (second.Count < expected)
        {
            var batch = evaluators.ExpectMsg<SeedBatch>(Long);
            Assert.Equal(1, batch.Generation);
            second.Add(batch);
            optimizer.Tell(FakeResults.For(batch), evaluators.Ref);
        }
        Assert.Equal(2, evaluators.ExpectMsg<SeedBatch>(Long).Generation); // generation 1 was complete with these batches
        Assert.All(second.Where(b => !b.Items[0].IsEvaluation), b => Assert.Equal(share, b.Items.Length));
        Assert.Equal(Enumerable.Range(0, run.EvaluationEpisodes), second.Where(b => b.Items[0].IsEvaluation).SelectMany(b => b.Items.Select(i => i.Index)).Order());
    }

    [Fact]
    public void A_slots_next_batches_go_straight_to_the_entity_that_answered_and_come_back_if_it_stops()
    {
        var (optimizer, evaluators) = StartRun(settings: Settings with { BatchTimeout = TimeSpan.FromMinutes(5) });
        var first = evaluators.ExpectMsg<SeedBatch>(Long);
        evaluators.ExpectMsg<SeedBatch>(Long);
        var entity = CreateTestProbe("entity");

        optimizer.Tell(FakeResults.For(first), entity.Ref);
        var next = entity.ExpectMsg<SeedBatch>(Long); // no longer through the shard region
        Assert.Equal(first.EvaluatorId, next.EvaluatorId);
        evaluators.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        Sys.Stop(entity.Ref); // the entity is gone while its node stays: the batch goes out again, through the region
        var again = evaluators.ExpectMsg<SeedBatch>(TimeSpan.FromSeconds(10));
        Assert.Equal(next.BatchId, again.BatchId);
        Assert.Equal(next.EvaluatorId, again.EvaluatorId);
    }

    [Fact]
    public void Optimizer_queues_a_second_batch_on_each_slot_when_two_may_be_in_flight()
    {
        var (optimizer, evaluators) = StartRun(settings: Settings with { BatchTimeout = TimeSpan.FromMinutes(5), BatchesInFlightPerSlot = 2 });
        var batches = Enumerable.Range(0, 2 * Slots).Select(_ => evaluators.ExpectMsg<SeedBatch>(Long)).ToList();
        evaluators.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // every slot holds two: nothing more until one answers
        Assert.Equal(Slots, batches.Select(b => b.EvaluatorId).Distinct().Count());
        Assert.All(batches.GroupBy(b => b.EvaluatorId), slot => Assert.Equal(2, slot.Count()));
        Assert.Equal(batches.Count, batches.Select(b => b.BatchId).Distinct().Count());

        // An answer frees exactly one place, on the slot that answered.
        optimizer.Tell(FakeResults.For(batches[0]), evaluators.Ref);
        var next = evaluators.ExpectMsg<SeedBatch>(Long);
        Assert.Equal(batches[0].EvaluatorId, next.EvaluatorId);
        evaluators.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Optimizer_accepts_a_run_and_sends_one_seed_batch_per_idle_slot()
    {
        // A long deadline: on a loaded machine the checks below may take longer than the default 1 s.
        var (optimizer, evaluators) = StartRun(settings: Settings with { BatchTimeout = TimeSpan.FromMinutes(5) });
        var first = evaluators.ExpectMsg<SeedBatch>(Long);
        var second = evaluators.ExpectMsg<SeedBatch>(Long);
        evaluators.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // both slots busy: nothing more until one answers

        var status = StatusOf(optimizer);
        Assert.Equal(Slots, status.Slots);
        Assert.NotEqual(first.EvaluatorId, second.EvaluatorId);
        Assert.NotEqual(first.BatchId, second.BatchId);
        foreach (var batch in new[] { first, second })
        {
            Assert.Equal(RunId, batch.RunId);
            Assert.Equal(0, batch.Generation);
            Assert.Equal(status.State.Checksum(), batch.StateChecksum);
            Assert.NotEmpty(batch.Items);
        }

        // Answering one batch frees its slot, which gets the next batch.
        optimizer.Tell(FakeResults.For(first), evaluators.Ref);
        var third = evaluators.ExpectMsg<SeedBatch>(Long);
        Assert.Equal(first.EvaluatorId, third.EvaluatorId);
        Assert.DoesNotContain(third.BatchId, new[] { first.BatchId, second.BatchId });
    }

    [Fact]
    public void Optimizer_reissues_a_lost_batch_after_its_deadline()
    {
        var (optimizer, evaluators) = StartRun();
        var lost = evaluators.ExpectMsg<SeedBatch>(Long);
        var lostAt = DateTime.UtcNow;
        var other = evaluators.ExpectMsg<SeedBatch>(Long);
        optimizer.Tell(FakeResults.For(other), evaluators.Ref);

        // Play the other slot: answer everything else until the lost batch comes back.
        SeedBatch reissued;
        while (true)
        {
            var batch = evaluators.ExpectMsg<SeedBatch>(Long);
            if (batch.BatchId == lost.BatchId) { reissued = batch; break; }
            optimizer.Tell(FakeResults.For(batch), evaluators.Ref);
        }
        var waited = DateTime.UtcNow - lostAt;

        Assert.Equal(0, reissued.Generation);
        Assert.NotEqual(lost.Attempt, reissued.Attempt);
        Assert.NotEqual(lost.EvaluatorId, reissued.EvaluatorId); // the silent slot still counts as busy
        Assert.Equal(lost.Items, reissued.Items);
        Assert.True(waited >= Settings.BatchTimeout - TimeSpan.FromMilliseconds(150), $"reissued after {waited.TotalMilliseconds:0} ms, before the {Settings.BatchTimeout} deadline");

        optimizer.Tell(FakeResults.For(reissued), evaluators.Ref);
        AwaitAssert(() =>
        {
            var status = StatusOf(optimizer);
            Assert.Equal(1, status.State.Generation);
            Assert.True(status.Reissued >= 1, $"reissued count {status.Reissued}");
        }, Long);
    }

    [Fact]
    public async Task Optimizer_ignores_stale_and_duplicate_results()
    {
        var (optimizer, evaluators) = StartRun(generations: 2);
        var batches = BatchesPerGeneration(Settings);

        // Generation 0: every batch answered twice; the copy carries other returns and must be ignored.
        var generation0 = new List<SeedBatch>();
        while (generation0.Select(b => b.BatchId).Distinct().Count() < batches)
        {
            var batch = evaluators.ExpectMsg<SeedBatch>(Long);
            Assert.Equal(0, batch.Generation);
            generation0.Add(batch);
            optimizer.Tell(FakeResults.For(batch), evaluators.Ref);
            optimizer.Tell(FakeResults.For(batch, offset: 100), evaluators.Ref);
        }
        var generation1First = evaluators.ExpectMsg<SeedBatch>(Long);
        Assert.Equal(1, generation1First.Generation);

        // Stale: generation-0 results (same batch ids as generation 1's) arrive while generation 1 is in flight.
        foreach (var old in generation0) optimizer.Tell(FakeResults.For(old, offset: 50), evaluators.Ref);
        var during = StatusOf(optimizer);
        Assert.Equal(1, during.State.Generation);

        optimizer.Tell(FakeResults.For(generation1First), evaluators.Ref);
        var answered = new HashSet<int> { generation1First.BatchId };
        while (answered.Count < BatchesPerGeneration(Settings, generation: 1))
        {
            var batch = evaluators.ExpectMsg<SeedBatch>(Long);
            Assert.Equal(1, batch.Generation);
            optimizer.Tell(FakeResults.For(batch), evaluators.Ref);
            answered.Add(batch.BatchId);
        }

        AwaitAssert(() => Assert.True(StatusOf(optimizer).State.IsFinished), Long);
        var final = StatusOf(optimizer);
        Assert.Equal(2, final.State.Generation);
        evaluators.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // The journal holds exactly one event per generation, built from the first answers only.
        var history = await RunHistoryReader.Read(Sys, RunId, Long);
        Assert.Equal(new[] { 0, 1 }, history.Generations.Select(g => g.Generation));
        foreach (var g in history.Generations)
        {
            Assert.All(g.ReturnsPositive.Concat(g.ReturnsNegative).Concat(g.EvaluationReturns), r => Assert.True(r < 50, $"return {r} came from an ignored result (offset 50 or 100)"));
            Assert.Equal(Enumerable.Range(0, 4).Select(i => 10.0 + i), g.ReturnsPositive);
        }
        Assert.Equal(final.State.Checksum(), history.State.Checksum());
    }

    [Fact]
    public async Task Status_says_finished_only_once_the_last_generation_is_written()
    {
        // The optimizer applies a generation before its event is written (the write overlaps the next generation's
        // evaluation). A train that hears "finished" reads the journal at once, so "finished" must wait for the write.
        var (optimizer, evaluators) = StartRun(generations: 1);
        using (var holder = new SqliteConnection($"Data Source={JournalFile};Pooling=False;Default Timeout=60"))
        {
            holder.Open();
            using (var begin = holder.CreateCommand()) { begin.CommandText = "BEGIN EXCLUSIVE"; begin.ExecuteNonQuery(); }
            AnswerGeneration(optimizer, evaluators, 0, BatchesPerGeneration(Settings));
            AwaitAssert(() => Assert.True(StatusOf(optimizer).State.IsFinished), Long, TimeSpan.FromMilliseconds(20));
            var whileLocked = StatusOf(optimizer).Status;
            Assert.Equal(1, whileLocked.Generation);
            Assert.False(whileLocked.Finished, "status said finished while the last generation was not in the journal");
            using (var rollback = holder.CreateCommand()) { rollback.CommandText = "ROLLBACK"; rollback.ExecuteNonQuery(); }
        }
        AwaitAssert(() => Assert.True(StatusOf(optimizer).Status.Finished), Long, TimeSpan.FromMilliseconds(50));
        var history = await RunHistoryReader.Read(Sys, RunId, Long);
        Assert.Equal(new[] { 0 }, history.Generations.Select(g => g.Generation));
    }

    [Fact]
    public void Optimizer_puts_a_rejected_batch_back()
    {
        // A long deadline, so a reissue can only come from the rejection.
        var settings = Settings with { BatchTimeout = TimeSpan.FromMinutes(5) };
        var (optimizer, evaluators) = StartRun(settings: settings);
        var rejected = evaluators.ExpectMsg<SeedBatch>(Long);
        var other = evaluators.ExpectMsg<SeedBatch>(Long);

        optimizer.Tell(new BatchRejected(rejected.EvaluatorId, RunId, 0, rejected.BatchId, "stale: test"), evaluators.Ref);
        var again = evaluators.ExpectMsg<SeedBatch>(TimeSpan.FromSeconds(10));
        Assert.Equal(rejected.BatchId, again.BatchId);
        Assert.Equal(rejected.EvaluatorId, again.EvaluatorId); // its slot is idle again and the batch is first in line
        Assert.NotEqual(rejected.Attempt, again.Attempt);

        optimizer.Tell(FakeResults.For(again), evaluators.Ref);
        optimizer.Tell(FakeResults.For(other), evaluators.Ref);
        var answered = new HashSet<int> { again.BatchId, other.BatchId };
        while (answered.Count < BatchesPerGeneration(settings))
        {
            var batch = evaluators.ExpectMsg<SeedBatch>(Long);
            optimizer.Tell(FakeResults.For(batch), evaluators.Ref);
            answered.Add(batch.BatchId);
        }
        AwaitAssert(() => Assert.Equal(1, StatusOf(optimizer).State.Generation), Long);
    }

    [Fact]
    public void A_non_finite_result_from_the_only_node_stops_the_run_with_a_reason_and_sends_nothing_more()
    {
        var (optimizer, evaluators) = StartRun();
        var batch = evaluators.ExpectMsg<SeedBatch>(Long);
        var result = FakeResults.For(batch);
        optimizer.Tell(result with { Items = result.Items.Select(i => i with { ReturnNegative = double.PositiveInfinity }).ToArray() }, evaluators.Ref);
        AwaitAssert(() => Assert.Contains("no other node is left", StatusOf(optimizer).Status.Failure), Long);
        Assert.Equal(0, StatusOf(optimizer).Slots); // the node is excluded from the run
        Assert.Equal(0, StatusOf(optimizer).State.Generation);
    }

    [Fact]
    public void Optimizer_rejects_a_start_request_for_another_run()
    {
        var evaluators = CreateTestProbe("evaluators");
        var optimizer = Sys.ActorOf(OptimizerActor.Props(RunId, Settings, evaluators.Ref, mediator: null), "optimizer");
        AwaitSlotsKnown(optimizer);
        var (definition, stop) = Definition();

        optimizer.Tell(new StartRunRequest("some-other-run", definition, stop));
        var rejected = ExpectMsg<RunRejected>(Long);
        Assert.Equal("some-other-run", rejected.RunId);
        Assert.Contains(RunId, rejected.Reason);
        evaluators.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.False(StatusOf(optimizer).State.IsStarted);

        // A definition the domain refuses is rejected too, naming the problem.
        optimizer.Tell(new StartRunRequest(RunId, definition with { Sigma = -1f }, stop));
        Assert.Contains("sigma", ExpectMsg<RunRejected>(Long).Reason);
        Assert.False(StatusOf(optimizer).State.IsStarted);
    }
}
