using Akka.Actor;
using Akka.Event;
using Akka;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Pattern;
using EsActors.Node.Optimizer;
using EsActors.Node.Evaluation;
using EsActors.Node.Clustering;
using EsActors.Node.Configuration;
using EsActors.Node.Security;

namespace EsActors.Node;

/// <summary>
/// A running EsActors node: cluster member, evaluator shard region with one entity per slot, the node's
/// parameter replica, and the run's optimizer singleton (manager on every node that has the journal, so it
/// survives the loss of its host) with a proxy to reach it.
/// </summary>
public sealed class EsNode : IAsyncDisposable
{
    private EsNode(ActorSystem system, IActorRef region, IActorRef proxy, IActorRef replica, ReplicaView view, DispatchSettings settings)
    {
        System = system; EvaluatorRegion = region; Optimizer = proxy; Replica = replica; ReplicaView = view; Settings = settings;
    }

    public ActorSystem System { get; }
    public IActorRef EvaluatorRegion { get; }
    public IActorRef Optimizer { get; }
    public IActorRef Replica { get; }

    /// <summary>The node replica's current θ (what <c>train</c> saves as an interim policy.bin without asking the optimizer).</summary>
    public ReplicaView ReplicaView { get; }
    public DispatchSettings Settings { get; }

    /// <summary>Completes with the reason if this node finds itself incompatible with the cluster it joined.</summary>
    public Task<string> Refused { get; private init; } = Task.FromResult("");
    /// <summary>Whether a removal of this node, should it come, means it was refused (see <see cref="MembershipGuard.RemovalVerdict"/>).</summary>
    public MembershipGuard.RemovalVerdict Removal { get; private init; } = new();
    public Cluster Cluster => Cluster.Get(System);

    public static EsNode Start(NodeOptions options, Config? config = null)
    {
        config ??= NodeConfig.Build(options);
        var settings = DispatchSettings.From(config);
        ClusterSecret.From(config); // a bad secret setting is one error line before the node starts
        var system = TlsSettings.From(config) is { } tls
            ? ActorSystem.Create(NodeOptions.SystemName, BootstrapSetup.Create().WithConfig(config).And(tls.Setup()))
            : ActorSystem.Create(NodeOptions.SystemName, config);
        try
        {
            var cluster = Cluster.Get(system);
            var view = new ReplicaView();
            var replica = system.ActorOf(ReplicaDirectory.Props(settings.ReplayWindow, view).WithMailbox(MemberCheckedMailbox.ConfigPath), "replica");
            var self = cluster.SelfAddress.ToString();
            var region = ClusterSharding.Get(system).Start(
                EvaluatorIds.TypeName,
                EvaluatorActor.Props(replica, self, view).WithDispatcher(NodeDispatchers.Evaluator).WithMailbox(MemberCheckedMailbox.ConfigPath),
                ClusterShardingSettings.Create(system),
                new EvaluatorMessageExtractor(),
                new SlotAllocationStrategy(system),
                PoisonPill.Instance);
            var mediator = DistributedPubSub.Get(system).Mediator;
            system.ActorOf(MembershipLogger.Props(), "membership");
            var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            system.ActorOf(CompatibilityGuard.Props(refused), "compatibility");
            var verdict = new MembershipGuard.RemovalVerdict();
            system.ActorOf(MembershipGuard.Props(refused, verdict), MembershipGuard.Name);
            if (options.HostsOptimizer)
                system.ActorOf(ClusterSingletonManager.Props(
                        // The host recovers from the journal when the singleton starts: if the journal is down then, it
                        // stops, and the supervisor starts it again with backoff (the singleton manager would not).
                        // The singleton (supervisor), run host and optimizer take messages only from this node and admitted
                        // members (MemberCheckedMailbox): a stranger's PoisonPill would otherwise stop the singleton for good.
                        BackoffSupervisor.Props(RunHost.Props((runId, replayEventsOnly) =>
                                OptimizerActor.Props(runId, settings, region, mediator, replayEventsOnly).WithMailbox(MemberCheckedMailbox.ConfigPath))
                            .WithMailbox(MemberCheckedMailbox.ConfigPath),
                            "host", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2).WithMailbox(MemberCheckedMailbox.ConfigPath),
                        PoisonPill.Instance,
                        ClusterSingletonManagerSettings.Create(system).WithSingletonName("run-host").WithRole(NodeRoles.Journal)),
                    "optimizer");
            if (options.HostsOptimizer) system.ActorOf(JournalWarmup.Props(), "journal-warmup");
            if (options.HostsOptimizer)
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "stop-optimizer", () => StopLocalOptimizer(system));
            var proxy = system.ActorOf(ClusterSingletonProxy.Props("/user/optimizer",
                ClusterSingletonProxySettings.Create(system).WithSingletonName("run-host").WithRole(NodeRoles.Journal)).WithMailbox(MemberCheckedMailbox.ConfigPath), "optimizer-proxy");
            return new EsNode(system, region, proxy, replica, view, settings) { Refused = refused.Task, Removal = verdict };
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    /// <summary>Stops the optimizer if this node hosts the singleton (see <see cref="RunHost.StopOptimizer"/>); bounded.</summary>
    private static async Task<Done> StopLocalOptimizer(ActorSystem system)
    {
        try
        {
            var host = await system.ActorSelection("/user/optimizer/run-host").ResolveOne(TimeSpan.FromSeconds(1));
            return await host.Ask<Done>(RunHost.StopOptimizer.Instance, TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is ActorNotFoundException or AskTimeoutException or TimeoutException) { return Done.Instance; }
    }

    /// <summary>Completes when this node is Up in the cluster (or fails after the timeout).</summary>
    public Task WaitUntilUp(TimeSpan timeout)
    {
        var up = new TaskCompletionSource();
        Cluster.RegisterOnMemberUp(() => up.TrySetResult());
        return up.Task.WaitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded: a starved or cut-off node may not finish its shutdown phases, and the command's own outcome (its
        // error line and exit code) must not be replaced by this timeout; the process ends either way.
        try { await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance).WaitAsync(ShutdownTimeout).ConfigureAwait(false); }
        catch (TimeoutException) { System.Log.Warning("The node's shutdown did not finish within {0} s; exiting without waiting for it", ShutdownTimeout.TotalSeconds); }
    }

    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(15);
}
