using Akka.Actor;
using Akka.Persistence;
using EsActors.Node.Optimizer;
using EsActors.Node.Protocol;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests.Optimizer;

/// <summary>
/// The run host over a real SQLite journal, with stand-in optimizers that report to a probe: several runs are hosted
/// side by side, a run ending leaves the others alone, and a new host (after a handover) restarts exactly the
/// unfinished runs, also from a journal an older build wrote.
/// </summary>
public sealed class RunHostTests(ITestOutputHelper output) : ClusterTestKit(output)
{
    private sealed record Started(string RunId, IActorRef Optimizer);
    private sealed record Shared(string RunId, IReadOnlyList<string> Runs);
    private sealed record Finish;
    private sealed record Unfinish;

    /// <summary>Stands in for a run's optimizer: accepts its run, answers status, tells the probe what it hears.</summary>
    private sealed class FakeOptimizer : ReceiveActor
    {
        public FakeOptimizer(string runId, IActorRef probe)
        {
            probe.Tell(new Started(runId, Self));
            Receive<StartRunRequest>(r => Sender.Tell(new RunAccepted(r.RunId, 0, false)));
            Receive<GetRunStatus>(_ => Sender.Tell(new RunStatus(runId, 1, 10, null, false, null, 0, 0, [])));
            Receive<OptimizerActor.ShareSlots>(s => probe.Tell(new Shared(runId, s.Runs)));
            Receive<Finish>(_ => Context.Parent.Tell(new OptimizerActor.FinishedChanged(runId, Finished: true)));
            Receive<Unfinish>(_ => Context.Parent.Tell(new OptimizerActor.FinishedChanged(runId, Finished: false)));
            Receive<OptimizerActor.Shutdown>(_ => Context.Stop(Self));
        }
    }

    /// <summary>Writes run host events as an older build did.</summary>
    private sealed class LegacyHost : ReceivePersistentActor
    {
        public LegacyHost(object[] events, IActorRef probe)
        {
            Recover<object>(_ => { });
            Command<string>(_ => PersistAll(events, e => { if (ReferenceEquals(e, events[^1])) probe.Tell("written"); }));
        }

        public override string PersistenceId => RunHost.PersistenceIdValue;
    }

    private int _hosts;

    private IActorRef StartHost(Akka.TestKit.TestProbe probe) =>
        Sys.ActorOf(RunHost.Props((runId, _) => Props.Create(() => new FakeOptimizer(runId, probe.Ref))), $"host-{++_hosts}");

    private void StopHost(IActorRef host)
    {
        Watch(host);
        Sys.Stop(host);
        FishForMessage<Terminated>(t => t.ActorRef.Equals(host), Long); // watched optimizers stop with it
    }

    private void Start(IActorRef host, string runId)
    {
        var (definition, stop) = Definition();
        host.Tell(new StartRunRequest(runId, definition, stop), TestActor);
        Assert.Equal(runId, ExpectMsg<RunAccepted>(Long).RunId);
    }

    /// <summary>The optimizers started within the window (other reports skipped), by run id; stops early once <paramref name="count"/> are in.</summary>
    private static Dictionary<string, IActorRef> Optimizers(Akka.TestKit.TestProbe probe, int count = int.MaxValue, double seconds = 2)
    {
        var started = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (started.Count < count && DateTime.UtcNow < deadline)
            if (probe.ReceiveOne(deadline - DateTime.UtcNow) is Started s) started[s.RunId] = s.Optimizer;
        return started;
    }

    private static IReadOnlyList<string> StartedRuns(Akka.TestKit.TestProbe probe) => Optimizers(probe).Keys.Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void A_second_run_is_hosted_beside_the_first_and_both_share_the_slots()
    {
        var probe = CreateTestProbe();
        var host = StartHost(probe);
        Start(host, "a");
        var a = probe.FishForMessage<Started>(_ => true, Long).Optimizer;
        Assert.Equal(["a"], probe.FishForMessage<Shared>(s => s.RunId == "a", Long).Runs);
        Watch(a);
        Start(host, "b");
        Assert.Equal(["a", "b"], probe.FishForMessage<Shared>(s => s.RunId == "a", Long).Runs); // skips b's start
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // a's optimizer was not stopped

        host.Tell(ListRuns.Instance);
        var list = ExpectMsg<RunList>(Long);
        Assert.Equal(["a", "b"], list.Runs.Select(r => r.RunId));
        Assert.Empty(list.Paused);
        host.Tell(new GetRunStatus("a"));
        Assert.Equal("a", ExpectMsg<RunStatus>(Long).RunId);
        host.Tell(new GetRunStatus());
        Assert.Equal("b", ExpectMsg<RunStatus>(Long).RunId); // the run started last
    }

    [Fact]
    public void A_run_ending_leaves_the_other_running_and_a_new_host_restarts_only_the_unfinished_runs()
    {
        var probe = CreateTestProbe();
        var host = StartHost(probe);
        Start(host, "a");
        Start(host, "b");
        Start(host, "c");
        var optimizers = Optimizers(probe, 3, Long.TotalSeconds);
        foreach (var o in optimizers.Values) Watch(o);

        optimizers["a"].Tell(new Finish()); // a finishes: its slots go to b and c, nobody stops
        Assert.Equal(["b", "c"], probe.FishForMessage<Shared>(s => s.RunId == "b" && !s.Runs.Contains("a"), Long).Runs);
        host.Tell(new StopRun("c"), TestActor); // c's train is stopped
        var replies = ReceiveN(2, Long); // in either order
        Assert.Contains(replies, m => m is RunStopped { RunId: "c" });
        Assert.Contains(replies, m => m is Terminated t && t.ActorRef.Equals(optimizers["c"]));
        Assert.Equal(["b"], probe.FishForMessage<Shared>(s => s.RunId == "b" && s.Runs.Count == 1, Long).Runs);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // a (finished, still answering) and b were not stopped

        // The singleton moves: a new host recovers the journal and hosts b alone.
        StopHost(host);
        probe.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m); // the old host's children stopping
        var again = StartHost(probe);
        Assert.Equal(["b"], StartedRuns(probe));
        again.Tell(ListRuns.Instance);
        Assert.Equal(["b"], ExpectMsg<RunList>(Long).Runs.Select(r => r.RunId));
    }

    [Fact]
    public void A_finished_run_whose_stop_criteria_a_start_request_extended_is_hosted_again()
    {
        var probe = CreateTestProbe();
        var host = StartHost(probe);
        Start(host, "a");
        Start(host, "b");
        var optimizers = Optimizers(probe, 2, Long.TotalSeconds);
        optimizers["a"].Tell(new Finish()); // recovered finished under its old stop criteria...
        probe.FishForMessage<Shared>(s => s.RunId == "b" && s.Runs.SequenceEqual(["b"]), Long);
        optimizers["a"].Tell(new Unfinish()); // ... then accepted a request that extended them
        Assert.Equal(["b", "a"], probe.FishForMessage<Shared>(s => s.RunId == "b" && s.Runs.Count == 2, Long).Runs);
        StopHost(host);
        probe.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m);
        StartHost(probe);
        Assert.Equal(["a", "b"], StartedRuns(probe));
    }

    [Fact]
    public void An_optimizer_that_stops_on_its_own_is_restarted_alone()
    {
        var probe = CreateTestProbe();
        var host = StartHost(probe);
        Start(host, "a");
        Start(host, "b");
        var optimizers = Optimizers(probe, 2, Long.TotalSeconds);
        Watch(optimizers["b"]);
        Sys.Stop(optimizers["a"]); // e.g. a journal write failed
        Assert.Equal("a", probe.FishForMessage<Started>(_ => true, Long).RunId); // restarted after its backoff
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // b untouched
    }

    [Fact]
    public void A_journal_of_an_older_build_recovers_its_last_activated_run_and_new_runs_join_it()
    {
        var probe = CreateTestProbe();
        object[] legacy = [new RunActivated("old"), new RunActivated("last")];
        Sys.ActorOf(Props.Create(() => new LegacyHost(legacy, probe.Ref))).Tell("write");
        probe.ExpectMsg("written", Long);
        var host = StartHost(probe);
        Assert.Equal(["last"], StartedRuns(probe));
        Start(host, "new");
        probe.FishForMessage<Started>(s => s.RunId == "new", Long);
        StopHost(host);
        probe.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m);
        StartHost(probe);
        Assert.Equal(["last", "new"], StartedRuns(probe));
    }
}
