using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using EsActors.Domain.Runs;
using EsActors.Node.Protocol;
using EsActors.Node.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using EsActors.Node.Optimizer;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests;

/// <summary>
/// The optimizer is a persistent actor over a real SQLite journal: stopped and recreated with the same run id it
/// recovers exactly the same run state (from events alone, or snapshot + events), and it refuses to resume the
/// journal's run with a different definition. Contract: a graceful stop (<see cref="OptimizerActor.Shutdown"/>)
/// flushes every generation it applied; after a crash the last generation may be redone, bit-identically (the
/// process tests kill -9 and compare policy.bin).
/// </summary>
public sealed class OptimizerPersistenceTests(ITestOutputHelper output) : ClusterTestKit(output)
{
    private const string RunId = "persistent-run";
    private int _incarnation;

    private (IActorRef Optimizer, TestProbe Evaluators) CreateOptimizer()
    {
        var evaluators = CreateTestProbe($"evaluators-{++_incarnation}");
        var optimizer = Sys.ActorOf(OptimizerActor.Props(RunId, Settings, evaluators.Ref, mediator: null), $"optimizer-{_incarnation}");
        AwaitSlotsKnown(optimizer);
        return (optimizer, evaluators);
    }

    /// <summary>Plays the evaluators until the optimizer has completed <paramref name="generations"/> generations.</summary>
    private RunState RunGenerations(IActorRef optimizer, TestProbe evaluators, int generations)
    {
        while (true)
        {
            var status = StatusOf(optimizer);
            if (status.State.Generation >= generations) return status.State;
            var batch = evaluators.ReceiveOne(TimeSpan.FromMilliseconds(200)) as SeedBatch;
            if (batch is not null && batch.Generation < generations) optimizer.Tell(FakeResults.For(batch), evaluators.Ref);
            else if (batch is not null) throw new InvalidOperationException($"a batch of generation {batch.Generation} after generation {generations}");
        }
    }

    /// <summary>
    /// A graceful stop: the optimizer stops after its pending journal writes completed, so the recovered generation is
    /// exactly the one it reported (PersistAsync lets it report a generation before the write; a crash may redo it).
    /// </summary>
    private void Stop(IActorRef optimizer)
    {
        Watch(optimizer);
        optimizer.Tell(OptimizerActor.Shutdown.Instance);
        ExpectTerminated(optimizer, Long);
        Unwatch(optimizer);
    }

    private long SnapshotRows()
    {
        using var connection = new SqliteConnection($"Data Source={JournalFile};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%snapshot%'";
        var table = command.ExecuteScalar() as string;
        if (table is null) return 0;
        command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return (long)command.ExecuteScalar()!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Optimizer_recovers_the_same_state_after_a_restart(bool withSnapshot)
    {
        var (optimizer, evaluators) = CreateOptimizer();
        var (definition, stop) = Definition(generations: 10, snapshotEvery: withSnapshot ? 2 : 1000);
        optimizer.Tell(new StartRunRequest(RunId, definition, stop));
        ExpectMsg<RunAccepted>(Long);
        var before = RunGenerations(optimizer, evaluators, 3);
        Assert.Equal(3, before.Generation);
        if (withSnapshot) AwaitCondition(() => SnapshotRows() >= 1, Long, TimeSpan.FromMilliseconds(100), "no snapshot was saved at generation 2");
        else Assert.Equal(0, SnapshotRows());

        Stop(optimizer);
        var (recovered, evaluatorsAfter) = CreateOptimizer();
        var after = StatusOf(recovered).State;

        Assert.Equal(before.Generation, after.Generation);
        Assert.Equal(before.Checksum(), after.Checksum());
        Assert.True(MemoryMarshal.AsBytes(before.Theta.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(after.Theta.AsSpan())), "θ differs after recovery");
        Assert.Equal(before.Timesteps, after.Timesteps);
        Assert.Equal(before.LastEvaluationMean, after.LastEvaluationMean);
        Assert.Equal(before.Definition, after.Definition);
        Assert.Equal(before.Stop, after.Stop);

        // The recovered optimizer resumes the unfinished run by itself, with the recovered state's digest.
        var resumed = evaluatorsAfter.ExpectMsg<SeedBatch>(Long);
        Assert.Equal(3, resumed.Generation);
        Assert.Equal(before.Checksum(), resumed.StateChecksum);

        // Resuming with the same definition is accepted at the recovered generation, and the run continues.
        recovered.Tell(new StartRunRequest(RunId, definition, stop));
        var accepted = ExpectMsg<RunAccepted>(Long);
        Assert.Equal(3, accepted.Generation);
        recovered.Tell(FakeResults.For(resumed), evaluatorsAfter.Ref);
        Assert.Equal(4, RunGenerations(recovered, evaluatorsAfter, 4).Generation);
    }

    [Fact]
    public void Optimizer_refuses_to_resume_with_a_different_definition()
    {
        var (optimizer, evaluators) = CreateOptimizer();
        var (definition, stop) = Definition(generations: 10);
        optimizer.Tell(new StartRunRequest(RunId, definition, stop));
        ExpectMsg<RunAccepted>(Long);
        var before = RunGenerations(optimizer, evaluators, 1);
        Stop(optimizer);

        var (recovered, _) = CreateOptimizer();
        var otherEnvironment = RunSettings.Build("Acrobot-v1", NodeConfiguration,
            new RunOverrides(Seed: 7, Generations: 10, TargetReturn: 1e9, Population: 8)).Definition;
        recovered.Tell(new StartRunRequest(RunId, otherEnvironment, stop));
        var envRejected = ExpectMsg<RunRejected>(Long);
        Assert.Equal(RunId, envRejected.RunId);
        Assert.Contains("env (CartPole-v1 vs Acrobot-v1)", envRejected.Reason);

        var (otherShape, _) = Definition(generations: 10, overrides: ConfigurationFactory.ParseString("esactors.run.hidden = [32]"));
        recovered.Tell(new StartRunRequest(RunId, otherShape, stop));
        var shapeRejected = ExpectMsg<RunRejected>(Long);
        Assert.Contains("network shape", shapeRejected.Reason);
        Assert.DoesNotContain("env", shapeRejected.Reason);

        // Nothing was changed by the refusals.
        var state = StatusOf(recovered).State;
        Assert.Equal(before.Checksum(), state.Checksum());
        Assert.Equal(definition, state.Definition);
        recovered.Tell(new StartRunRequest(RunId, definition, stop));
        Assert.Equal(1, ExpectMsg<RunAccepted>(Long).Generation);
    }
}
