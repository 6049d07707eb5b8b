using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using EsActors.Domain.Runs;
using EsActors.Node.Clustering;
using EsActors.Node.Configuration;
using EsActors.Node.Optimizer;
using EsActors.Node.Protocol;
using EsActors.Node.Tests.Support;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Node.Tests.Optimizer;

/// <summary>The optimizer's dispatch loop as a plain class: what goes where, and what a result, a refusal or a lost node changes.</summary>
public sealed class GenerationDispatchTests
{
    private static readonly DispatchSettings Settings = new(TimeSpan.FromSeconds(10), BatchesPerSlot: 2, BatchesInFlightPerSlot: 2, ReplayWindow: 8,
        BackupAfter: 0, TickInterval: TimeSpan.FromMilliseconds(250));
    private const string NodeA = "10.0.0.1:2551:11", NodeB = "10.0.0.2:2551:22";

    private static (GenerationDispatch<string> Dispatch, RunState State) NewDispatch()
    {
        var dispatch = new GenerationDispatch<string>("run", Settings, NoLogger.Instance);
        dispatch.Slots.AddNode(NodeA, new Address("akka.tcp", "esactors", "10.0.0.1", 2551), [$"{NodeA}:0"]);
        dispatch.Slots.AddNode(NodeB, new Address("akka.tcp", "esactors", "10.0.0.2", 2551), [$"{NodeB}:0"]);
        var state = Started(Definition(pairs: 8));
        dispatch.Start(state, TimeSpan.Zero);
        return (dispatch, state);
    }

    [Fact]
    public void Every_slot_gets_batches_up_to_its_in_flight_limit_and_the_last_answer_completes_the_generation()
    {
        var (dispatch, state) = NewDispatch();
        var sent = dispatch.Dispatch(TimeSpan.Zero);
        Assert.Equal(4, sent.Count); // 2 slots × 2 in flight
        Assert.All(sent, s => Assert.Null(s.Entity)); // no entity known yet: through the region
        Assert.All(sent, s => Assert.Equal(state.Checksum(), s.Batch.StateChecksum));
        Assert.Equal(2, sent.Count(s => s.Batch.EvaluatorId == $"{NodeA}:0"));
        Assert.Empty(dispatch.Dispatch(TimeSpan.Zero)); // every place taken

        GenerationDispatch<string>.Completed? completed = null;
        var pending = new Queue<SeedBatch>(sent.Select(s => s.Batch));
        for (var round = 0; pending.Count > 0 && round < 100; round++)
        {
            completed = dispatch.Record(FakeResults.For(pending.Dequeue()), TimeSpan.FromMilliseconds(round));
            foreach (var (_, batch) in dispatch.Dispatch(TimeSpan.FromMilliseconds(round))) pending.Enqueue(batch);
        }
        Assert.NotNull(completed);
        Assert.False(dispatch.InProgress);
        Assert.Equal(0, completed.Event.Generation);
        Assert.False(RunLogic.Decide(state, new CompleteGeneration(completed.Event)).IsRejected);
        Assert.Equal(2, dispatch.NodeFigures().Length);
    }

    [Fact]
    public void A_lost_node_gives_its_batches_back_to_the_slots_that_remain()
    {
        var (dispatch, _) = NewDispatch();
        var sent = dispatch.Dispatch(TimeSpan.Zero);
        var heldByB = sent.Where(s => s.Batch.EvaluatorId == $"{NodeB}:0").Select(s => s.Batch.BatchId).ToHashSet();
        dispatch.NodeLost(NodeB, unreachable: false);
        Assert.Equal(2, dispatch.Reissued);
        foreach (var (_, batch) in sent.Where(s => s.Batch.EvaluatorId == $"{NodeA}:0")) Assert.Null(dispatch.Record(FakeResults.For(batch), TimeSpan.Zero));
        var next = dispatch.Dispatch(TimeSpan.Zero);
        Assert.All(next, s => Assert.Equal($"{NodeA}:0", s.Batch.EvaluatorId));
        Assert.Equal(heldByB, next.Select(s => s.Batch.BatchId).ToHashSet()); // reissued first
        Assert.Equal(heldByB.Count, dispatch.NodeFigures().Single(f => f.Node == NodeB).Reissued); // counted per batch taken back
    }

    [Fact]
    public void Stale_and_duplicate_results_change_nothing_and_repeated_evaluation_failures_stop_the_run()
    {
        var (dispatch, _) = NewDispatch();
        var first = dispatch.Dispatch(TimeSpan.Zero)[0].Batch;
        Assert.Null(dispatch.Record(FakeResults.For(first with { Generation = 5 }), TimeSpan.Zero));
        Assert.Null(dispatch.Record(FakeResults.For(first), TimeSpan.Zero));
        Assert.Null(dispatch.Record(FakeResults.For(first, offset: 100), TimeSpan.Zero)); // the first answer wins
        string? failure = null;
        for (var k = 0; k < 25 && failure is null; k++)
            failure = dispatch.Refused(new BatchRejected($"{NodeA}:0", "run", 0, first.BatchId + 1, "evaluation failed: boom"));
        Assert.StartsWith("evaluators keep failing", failure);
    }

    [Fact]
    public void A_compatible_node_brings_its_advertised_slots_and_an_incompatible_one_is_refused()
    {
        var dispatch = new GenerationDispatch<string>("run", Settings, NoLogger.Instance);
        var ours = Compatibility.Roles(Compatibility.ProtocolVersion).Append(NodeRoles.Slots(1)).ToArray();
        var address = new Address("akka.tcp", "esactors", "10.0.0.3", 2551);
        var member = new UniqueAddress(address, 33);
        Assert.True(dispatch.NodeUp(member, address, Compatibility.Roles(Compatibility.ProtocolVersion).Append(NodeRoles.Slots(3)), ours));
        Assert.False(dispatch.NodeUp(member, address, Compatibility.Roles(Compatibility.ProtocolVersion).Append(NodeRoles.Slots(3)), ours)); // known
        Assert.Equal(3, dispatch.Slots.Count);

        var otherAddress = new Address("akka.tcp", "esactors", "10.0.0.4", 2551);
        var other = new UniqueAddress(otherAddress, 44);
        Assert.False(dispatch.NodeUp(other, otherAddress, Compatibility.Roles(Compatibility.ProtocolVersion + 1).Append(NodeRoles.Slots(2)), ours));
        Assert.False(dispatch.NodeUp(other, otherAddress, [NodeRoles.Slots(2)], ours)); // no protocol role at all
        Assert.Equal(3, dispatch.Slots.Count);
        Assert.False(dispatch.Slots.Refuse(EvaluatorIds.Node(other))); // already refused (and logged) once
    }

    private static BatchResult NonFinite(SeedBatch batch)
    {
        var result = FakeResults.For(batch);
        return result with { Items = result.Items.Select((item, k) => k == 0 ? item with { ReturnPositive = double.NaN } : item).ToArray() };
    }

    /// <summary>Answers whatever is dispatched (through <paramref name="answer"/>) until the generation completes.</summary>
    private static GenerationDispatch<string>.Completed? AnswerAll(GenerationDispatch<string> dispatch, IEnumerable<SeedBatch> first, Func<SeedBatch, BatchResult?> answer)
    {
        var pending = new Queue<SeedBatch>(first);
        for (var round = 0; pending.Count > 0 && round < 200; round++)
        {
            var batch = pending.Dequeue();
            if (answer(batch) is { } result && dispatch.Record(result, TimeSpan.Zero) is { } completed) return completed;
            foreach (var (_, next) in dispatch.Dispatch(TimeSpan.Zero)) pending.Enqueue(next);
        }
        return null;
    }

    [Fact]
    public void A_node_returning_a_non_finite_value_is_excluded_and_its_batches_are_redone_elsewhere_to_the_same_generation()
    {
        var (healthy, state) = NewDispatch();
        var undisturbed = AnswerAll(healthy, healthy.Dispatch(TimeSpan.Zero).Select(s => s.Batch), b => FakeResults.For(b));
        Assert.NotNull(undisturbed);

        var (dispatch, _) = NewDispatch();
        var sent = dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch).ToList();
        var bad = sent.First(b => b.EvaluatorId == $"{NodeA}:0");
        var exclusion = dispatch.ExcludeIfImpossible(NonFinite(bad));
        Assert.NotNull(exclusion);
        Assert.Equal(NodeA, exclusion.Node);
        Assert.Null(exclusion.Failure); // node B can redo the work
        Assert.Null(dispatch.ExcludeIfImpossible(FakeResults.For(sent.First(b => b.EvaluatorId == $"{NodeB}:0"))));
        Assert.Equal([$"{NodeB}:0"], dispatch.Slots.Evaluators);

        // Node A coming back (reachable again, or a new MemberUp) gets no slots; A's late finite answers are stale.
        var addressA = new Address("akka.tcp", "esactors", "10.0.0.1", 2551);
        var roles = Compatibility.Roles(Compatibility.ProtocolVersion).Append(NodeRoles.Slots(1)).ToArray();
        Assert.False(dispatch.NodeUp(new UniqueAddress(addressA, 11), addressA, roles, roles));
        Assert.Equal(1, dispatch.Slots.Count);

        var completed = AnswerAll(dispatch, sent.Where(b => b.EvaluatorId == $"{NodeB}:0").Concat(dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch)),
            b => b.EvaluatorId == $"{NodeB}:0" ? FakeResults.For(b) : null);
        Assert.NotNull(completed);
        Assert.True(completed.Reissued > 0);
        Assert.Equal(RunLogic.Apply(state, undisturbed.Event).Checksum(), RunLogic.Apply(state, completed.Event).Checksum());
    }

    [Fact]
    public void The_same_batch_non_finite_on_two_nodes_stops_the_run_as_divergence()
    {
        var (dispatch, _) = NewDispatch();
        var sent = dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch).ToList();
        var bad = sent.First(b => b.EvaluatorId == $"{NodeA}:0");
        Assert.Null(dispatch.ExcludeIfImpossible(NonFinite(bad))!.Failure);
        // Node B answers what it holds; the reissued batch comes first in its next dispatch.
        foreach (var b in sent.Where(b => b.EvaluatorId == $"{NodeB}:0")) dispatch.Record(FakeResults.For(b), TimeSpan.Zero);
        var again = dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch).FirstOrDefault(b => b.BatchId == bad.BatchId)
            ?? throw new InvalidOperationException("the batch was not redone on node B");
        Assert.Equal($"{NodeB}:0", again.EvaluatorId);
        var failure = dispatch.ExcludeIfImpossible(NonFinite(again))!.Failure;
        Assert.NotNull(failure);
        Assert.Contains("diverges", failure);
    }

    [Fact]
    public void A_non_finite_result_from_the_only_node_stops_the_run_with_a_reason()
    {
        var dispatch = new GenerationDispatch<string>("run", Settings, NoLogger.Instance);
        dispatch.Slots.AddNode(NodeA, new Address("akka.tcp", "esactors", "10.0.0.1", 2551), [$"{NodeA}:0"]);
        dispatch.Start(Started(Definition(pairs: 8)), TimeSpan.Zero);
        var bad = dispatch.Dispatch(TimeSpan.Zero)[0].Batch;
        var delta = FakeResults.For(bad);
        var failure = dispatch.ExcludeIfImpossible(NonFinite(bad))!.Failure;
        Assert.NotNull(failure);
        Assert.Contains("no other node", failure);
        Assert.Null(dispatch.ExcludeIfImpossible(delta)); // a finite result is not judged
    }

    [Fact]
    public void A_non_finite_result_from_the_only_worker_of_a_host_without_slots_leaves_the_batch_waiting_for_another()
    {
        var dispatch = new GenerationDispatch<string>("run", Settings, NoLogger.Instance);
        dispatch.Slots.AddNode(NodeA, new Address("akka.tcp", "esactors", "10.0.0.1", 2551), [$"{NodeA}:0"]);
        dispatch.Start(Started(Definition(pairs: 8)), TimeSpan.Zero);
        var bad = dispatch.Dispatch(TimeSpan.Zero)[0].Batch;
        var excluded = dispatch.ExcludeIfImpossible(NonFinite(bad), hostWaitsForWorkers: true)!;
        Assert.Equal(NodeA, excluded.Node);
        Assert.Null(excluded.Failure); // the run goes on waiting
        Assert.Empty(dispatch.Dispatch(TimeSpan.Zero)); // no slot: nothing goes out
        dispatch.Slots.AddNode(NodeB, new Address("akka.tcp", "esactors", "10.0.0.2", 2551), [$"{NodeB}:0"]);
        var redone = dispatch.Dispatch(TimeSpan.Zero);
        Assert.Contains(redone, d => d.Batch.BatchId == bad.BatchId && d.Batch.EvaluatorId == $"{NodeB}:0"); // a worker that joins redoes it
    }
}

/// <summary>Authority in the dispatch loop: which results count, and how many slots a node may claim.</summary>
public sealed class GenerationDispatchAuthorityTests
{
    private static readonly DispatchSettings Settings = new(TimeSpan.FromSeconds(10), BatchesPerSlot: 2, BatchesInFlightPerSlot: 2, ReplayWindow: 8,
        BackupAfter: 0, TickInterval: TimeSpan.FromMilliseconds(250), MaxSlotsPerNode: 4);
    private const string NodeA = "10.0.0.1:2551:11", NodeB = "10.0.0.2:2551:22";
    private const string SlotA = $"{NodeA}:0", SlotB = $"{NodeB}:0";

    private static (GenerationDispatch<string> Dispatch, RunState State, RecordingLogger Log) NewDispatch()
    {
        var log = new RecordingLogger();
        var dispatch = new GenerationDispatch<string>("run", Settings, log);
        dispatch.Slots.AddNode(NodeA, new Address("akka.tcp", "esactors", "10.0.0.1", 2551), [SlotA]);
        dispatch.Slots.AddNode(NodeB, new Address("akka.tcp", "esactors", "10.0.0.2", 2551), [SlotB]);
        var state = Started(Definition(pairs: 8));
        dispatch.Start(state, TimeSpan.Zero);
        return (dispatch, state, log);
    }

    /// <summary>Answers what is dispatched until the generation completes; <paramref name="first"/> is what is already out.</summary>
    private static GenerationDispatch<string>.Completed? AnswerAll(GenerationDispatch<string> dispatch, IEnumerable<SeedBatch> first)
    {
        var pending = new Queue<SeedBatch>(first);
        for (var round = 0; pending.Count > 0 && round < 200; round++)
        {
            if (dispatch.Record(FakeResults.For(pending.Dequeue()), TimeSpan.Zero) is { } completed) return completed;
            foreach (var (_, next) in dispatch.Dispatch(TimeSpan.Zero)) pending.Enqueue(next);
        }
        return null;
    }

    private static GenerationCompleted Undisturbed()
    {
        var (dispatch, _, _) = NewDispatch();
        return AnswerAll(dispatch, dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch))?.Event ?? throw new InvalidOperationException("no generation");
    }

    [Fact]
    public void A_result_from_a_slot_the_batch_was_never_assigned_to_is_dropped_and_logged()
    {
        var (dispatch, state, log) = NewDispatch();
        var sent = dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch).ToList();
        var heldByA = sent.First(b => b.EvaluatorId == SlotA);

        // Node B's slot answers A's batch with made-up returns, and then with the right slot but an attempt never issued.
        var forged = FakeResults.For(heldByA, offset: 1000) with { EvaluatorId = SlotB };
        Assert.False(dispatch.FromAssignee(forged));
        Assert.Null(dispatch.Record(forged, TimeSpan.Zero));
        Assert.Null(dispatch.Record(FakeResults.For(heldByA, offset: 1000) with { Attempt = heldByA.Attempt + 100 }, TimeSpan.Zero));
        // A forged non-finite result must not get the real holder's node excluded.
        var poisoned = FakeResults.For(heldByA) with { EvaluatorId = SlotB };
        poisoned = poisoned with { Items = poisoned.Items.Select(i => i with { ReturnPositive = double.NaN }).ToArray() };
        Assert.Null(dispatch.ExcludeIfImpossible(poisoned));
        Assert.Equal([SlotA, SlotB], dispatch.Slots.Evaluators);
        Assert.Contains(log.Warnings, w => w.Contains($"batch {heldByA.BatchId}") && w.Contains("never assigned to it") && w.Contains(SlotB));

        // The generation is what the real holders compute: none of the forged returns got in.
        var completed = AnswerAll(dispatch, sent);
        Assert.NotNull(completed);
        Assert.Equal(RunLogic.Apply(state, Undisturbed()).Checksum(), RunLogic.Apply(state, completed.Event).Checksum());
    }

    [Fact]
    public void A_late_answer_from_an_earlier_holder_of_a_reissued_batch_still_counts()
    {
        var (dispatch, state, log) = NewDispatch();
        var sent = dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch).ToList();
        var heldByB = sent.Where(b => b.EvaluatorId == SlotB).ToList();
        dispatch.NodeLost(NodeB, unreachable: true); // B's batches go back to the queue, B is no holder any more
        foreach (var late in heldByB)
        {
            Assert.True(dispatch.FromAssignee(FakeResults.For(late)));
            Assert.Null(dispatch.Record(FakeResults.For(late), TimeSpan.Zero));
        }

        var redone = new List<int>();
        var pending = new Queue<SeedBatch>(sent.Where(b => b.EvaluatorId == SlotA));
        GenerationDispatch<string>.Completed? completed = null;
        for (var round = 0; completed is null && pending.Count > 0 && round < 200; round++)
        {
            completed = dispatch.Record(FakeResults.For(pending.Dequeue()), TimeSpan.Zero);
            foreach (var (_, next) in dispatch.Dispatch(TimeSpan.Zero)) { pending.Enqueue(next); redone.Add(next.BatchId); }
        }
        Assert.NotNull(completed);
        Assert.DoesNotContain(redone, heldByB.Select(b => b.BatchId).Contains); // B's answers were taken: nothing to redo
        Assert.DoesNotContain(log.Warnings, w => w.StartsWith("Dropped", StringComparison.Ordinal));
        Assert.Equal(RunLogic.Apply(state, Undisturbed()).Checksum(), RunLogic.Apply(state, completed.Event).Checksum());
    }

    [Fact]
    public void Results_from_an_excluded_node_are_dropped_even_for_batches_it_held()
    {
        var (dispatch, _, log) = NewDispatch();
        var sent = dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch).ToList();
        var heldByA = sent.Where(b => b.EvaluatorId == SlotA).ToList();
        var nonFinite = FakeResults.For(heldByA[0]);
        nonFinite = nonFinite with { Items = nonFinite.Items.Select(i => i with { ReturnNegative = double.PositiveInfinity }).ToArray() };
        Assert.NotNull(dispatch.ExcludeIfImpossible(nonFinite));

        Assert.False(dispatch.FromAssignee(FakeResults.For(heldByA[1])));
        Assert.Contains(log.Warnings, w => w.Contains("excluded"));
    }

    /// <summary>The result of <paramref name="batch"/> with its first item's positive return replaced (its length kept).</summary>
    private static BatchResult WithFirstReturn(SeedBatch batch, double value)
    {
        var result = FakeResults.For(batch);
        return result with { Items = result.Items.Select((item, k) => k == 0 ? item with { ReturnPositive = value } : item).ToArray() };
    }

    [Fact]
    public void A_node_returning_more_than_the_environment_can_produce_is_excluded_logged_and_its_batches_redone_to_the_same_generation()
    {
        var (dispatch, state, log) = NewDispatch();
        var sent = dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch).ToList();
        var forged = WithFirstReturn(sent.First(b => b.EvaluatorId == SlotA), 1e6); // today's probe: returns of 1e6

        var exclusion = dispatch.ExcludeIfImpossible(forged);

        Assert.NotNull(exclusion);
        Assert.Equal(NodeA, exclusion.Node);
        Assert.Null(exclusion.Failure);
        Assert.Equal([SlotB], dispatch.Slots.Evaluators);
        var line = Assert.Single(log.Lines, l => l.Level == LogLevel.ErrorLevel).Text;
        Assert.Contains(NodeA, line);
        Assert.Contains("return 1E+06", line);
        Assert.Contains("CartPole-v1", line);
        Assert.False(dispatch.FromAssignee(FakeResults.For(sent.First(b => b.EvaluatorId == SlotA)))); // its honest-looking late answers too
        var stale = WithFirstReturn(sent.Last(b => b.EvaluatorId == SlotA), 1e6) with { Generation = 5 };
        Assert.Equal(NodeA, dispatch.ExcludeIfImpossible(stale)?.Node); // a late forgery of another generation: dropped...
        Assert.Single(log.Lines, l => l.Level == LogLevel.ErrorLevel); // ...without another line
        var completed = AnswerAll(dispatch, sent.Where(b => b.EvaluatorId == SlotB).Concat(dispatch.Dispatch(TimeSpan.Zero).Select(s => s.Batch)));
        Assert.NotNull(completed);
        Assert.True(completed.Reissued > 0);
        Assert.Equal(RunLogic.Apply(state, Undisturbed()).Checksum(), RunLogic.Apply(state, completed.Event).Checksum());
    }

    [Theory]
    [InlineData(-0.5)]   // CartPole gives exactly 1 per step: a return below the episode's length is impossible
    [InlineData(0.5)]    // and so is one above it (the rounding slack is 1e-9 relative)
    public void A_return_that_does_not_fit_the_episode_length_is_impossible_and_one_that_does_is_not(double offByThisMuch)
    {
        var (dispatch, _, _) = NewDispatch();
        var batch = dispatch.Dispatch(TimeSpan.Zero)[0].Batch;
        var honest = FakeResults.For(batch);
        var length = honest.Items[0].LengthPositive;
        Assert.Null(dispatch.ExcludeIfImpossible(honest));
        Assert.Null(dispatch.ExcludeIfImpossible(WithFirstReturn(batch, length * (1 + 1e-12)))); // a sum's rounding is no lie
        Assert.NotNull(dispatch.ExcludeIfImpossible(WithFirstReturn(batch, length + offByThisMuch)));
    }

    [Fact]
    public void An_episode_longer_than_the_environment_allows_or_a_half_that_was_not_run_with_a_return_is_impossible()
    {
        var (longer, _, log) = NewDispatch();
        var batch = longer.Dispatch(TimeSpan.Zero)[0].Batch;
        var result = FakeResults.For(batch);
        var tooLong = result with { Items = result.Items.Select((i, k) => k == 0 ? i with { ReturnPositive = 501, LengthPositive = 501 } : i).ToArray() };
        Assert.NotNull(longer.ExcludeIfImpossible(tooLong)); // CartPole-v1 ends at 500 steps
        Assert.Contains(log.Lines, l => l.Text.Contains("an episode of 501 steps (at most 500 possible)"));

        var (halves, _, _) = NewDispatch();
        var answer = FakeResults.For(halves.Dispatch(TimeSpan.Zero)[0].Batch);
        // A split pair's positive half (or an evaluation episode) runs no negative episode: a negative return is made up.
        var madeUp = answer with { Items = answer.Items.Select((i, k) => k == 0 ? i with { Half = Domain.Scheduling.PairHalf.Positive, ReturnNegative = 7, LengthNegative = 0 } : i).ToArray() };
        Assert.NotNull(halves.ExcludeIfImpossible(madeUp));
    }

    [Fact]
    public void An_advertised_slot_count_above_the_bound_is_clamped_and_logged()
    {
        var log = new RecordingLogger();
        var dispatch = new GenerationDispatch<string>("run", Settings, log);
        var ours = Compatibility.Roles(Compatibility.ProtocolVersion).Append(NodeRoles.Slots(1)).ToArray();
        var greedy = new Address("akka.tcp", "esactors", "10.0.0.9", 2551);
        Assert.True(dispatch.NodeUp(new UniqueAddress(greedy, 99), greedy, Compatibility.Roles(Compatibility.ProtocolVersion).Append(NodeRoles.Slots(100_000)), ours));
        Assert.Equal(Settings.MaxSlotsPerNode, dispatch.Slots.Count);
        Assert.Contains(log.Warnings, w => w.Contains("100000") && w.Contains("max-slots-per-node"));

        var modest = new Address("akka.tcp", "esactors", "10.0.0.8", 2551);
        Assert.True(dispatch.NodeUp(new UniqueAddress(modest, 88), modest, Compatibility.Roles(Compatibility.ProtocolVersion).Append(NodeRoles.Slots(3)), ours));
        Assert.Equal(Settings.MaxSlotsPerNode + 3, dispatch.Slots.Count);
        Assert.Single(log.Warnings);
    }
}
