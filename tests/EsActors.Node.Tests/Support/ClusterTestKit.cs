using Akka.Actor;
using Akka.Cluster;
using AkkaCluster = Akka.Cluster.Cluster;
using Akka.Configuration;
using EsActors.Domain.Runs;
using Xunit.Abstractions;
using EsActors.Node.Optimizer;
using EsActors.Node.Configuration;
using EsActors.Node.Protocol;

namespace EsActors.Node.Tests.Support;

/// <summary>
/// A TestKit whose actor system is a one-node cluster configured like a real node (NodeConfig.Build) over a
/// real SQLite journal in a temp file. The node joins itself and is Up when the constructor returns; the temp
/// folder is deleted after the actor system has shut down.
/// </summary>
public abstract class ClusterTestKit : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>Fast dispatch loop, no backup copies (they would blur the reissue tests), a small noise table.</summary>
    public const string DefaultOverrides = """
        esactors.dispatch {
          batch-timeout = 1s
          tick-interval = 100ms
          backup-after = 0
          batches-per-slot = 1
          batches-in-flight-per-slot = 1
          min-batch-time = 0s
        }
        esactors.run.noise-table-size = 65536
        akka.loglevel = INFO
        """;

    public static readonly TimeSpan Long = TimeSpan.FromSeconds(15);

    protected ClusterTestKit(ITestOutputHelper output, int slots = 2, string? extraHocon = null)
        : this(new TempDirectory(), output, slots, extraHocon) { }

    private ClusterTestKit(TempDirectory temp, ITestOutputHelper output, int slots, string? extraHocon)
        : base(BuildConfig(temp, slots, extraHocon), NodeOptions.SystemName, output)
    {
        Temp = temp;
        Slots = slots;
        NodeConfiguration = Sys.Settings.Config;
        var cluster = AkkaCluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, Long, TimeSpan.FromMilliseconds(50));
    }

    public TempDirectory Temp { get; }
    public int Slots { get; }
    public Config NodeConfiguration { get; }
    public string JournalFile => Temp.File("journal.db");
    public DispatchSettings Settings => DispatchSettings.From(NodeConfiguration);

    private static Config BuildConfig(TempDirectory temp, int slots, string? extraHocon) =>
        NodeConfig.Build(new NodeOptions("127.0.0.1", 0, [], slots, JournalTarget.Parse(temp.File("journal.db")), "CartPole-v1", null,
            ExtraHocon: extraHocon is null ? DefaultOverrides : extraHocon + "\n" + DefaultOverrides));

    /// <summary>A small CartPole run (population 8 = 4 pairs) that never reaches its target.</summary>
    public (RunDefinition Definition, StopCriteria Stop) Definition(int generations = 10, int snapshotEvery = 1000, Config? overrides = null)
    {
        var config = overrides is null ? NodeConfiguration : overrides.WithFallback(NodeConfiguration);
        config = ConfigurationFactory.ParseString($"esactors.run.snapshot-every = {snapshotEvery}").WithFallback(config);
        return RunSettings.Build("CartPole-v1", config, new RunOverrides(Seed: 7, Generations: generations, TargetReturn: 1e9, Population: 8));
    }

    /// <summary>The optimizer as the product's own queries show it: its state (FetchState) and its status (GetRunStatus).</summary>
    public sealed record OptimizerView(RunState State, RunStatus Status)
    {
        public int Slots => Status.Nodes.Sum(n => n.Slots);
        public int Reissued => Status.Reissued;
        public int Backups => Status.Backups;
    }

    public OptimizerView StatusOf(IActorRef optimizer)
    {
        var status = optimizer.Ask<RunStatus>(new GetRunStatus(), Long).GetAwaiter().GetResult();
        var state = optimizer.Ask<StateReply>(new FetchState(status.RunId), Long).GetAwaiter().GetResult().State;
        return new OptimizerView(state, status);
    }

    /// <summary>Waits until the optimizer has subscribed to the cluster and knows every local evaluator slot.</summary>
    public void AwaitSlotsKnown(IActorRef optimizer) =>
        AwaitAssert(() => Assert.Equal(Slots, StatusOf(optimizer).Slots), Long, TimeSpan.FromMilliseconds(50));

    protected override void Dispose(bool disposing)
    {
        try { base.Dispose(disposing); }
        finally { if (disposing) Temp.Dispose(); }
    }
}
