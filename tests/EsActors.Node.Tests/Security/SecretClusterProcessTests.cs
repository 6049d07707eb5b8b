using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using EsActors.Node.Configuration;
using EsActors.Node.Protocol;
using EsActors.Node.Tests.Cluster;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests.Security;

/// <summary>Not a protocol message: what a JSON <c>$type</c> payload from the probe carries.</summary>
public sealed record ProbeGadget(string Command);

/// <summary>
/// Membership and authority with a cluster secret, between real node processes on loopback. A run is hosted with the
/// secret by a node without slots (<c>--slots 0</c>), so nothing is evaluated until the test lets a member in, and
/// every step below happens while the run waits at generation 0, whatever the machine's speed: (1) a worker with the
/// wrong secret and one with none try to join — each is refused on both sides (logged by the train node and downed;
/// the worker prints one error line and exits 3) and never gets a slot; (2) a process that is no member (an
/// ActorSystem that only connects to the port) sends today's probes: status and state requests, a StartRunRequest for
/// its own run, a forged result of 1e6 aimed at the optimizer through a wildcard path, and a JSON <c>$type</c> payload;
/// (3) a member that holds the secret joins and forges returns of 1e6 — as the only member with slots it surely gets
/// work, and it is excluded and logged before any generation completes. Then an honest worker with the secret joins
/// and trains the run to its end. Nothing answers the probe, the run id stays, and the run's policy.bin is
/// byte-identical to that of the same run left alone on a node with one slot. Every wait has a deadline; every
/// process is killed in a finally.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SecretClusterProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);
    private static readonly Regex SlotsPattern = new(@"\| slots (\d+)(?: |$)", RegexOptions.Compiled);
    private const string Secret = "test-cluster-secret-0123456789";
    private const string RunId = "guarded";

    private static int? Slots(string line)
    {
        if (!line.StartsWith("gen ", StringComparison.Ordinal)) return null;
        var match = SlotsPattern.Match(line);
        return match.Success ? int.Parse(match.Groups[1].Value) : null;
    }

    private static string[] TrainArgs(string work, string name, int port, int slots) =>
        ["train", "--env", "Pendulum-v1", "--run-id", RunId, "--out", Path.Combine(work, name), "--journal", Path.Combine(work, name + ".db"),
         "--generations", "200", "--population", "200", "--target-return", "0", "--seed", "5", "--slots", slots.ToString(), "--port", port.ToString()];

    private static Dictionary<string, string> Environment(string? secret)
    {
        var environment = new Dictionary<string, string> { ["ESACTORS_LOG_LEVEL"] = "Information" };
        environment[EsActors.Node.Security.ClusterSecret.Variable] = secret ?? "";
        return environment;
    }

    /// <summary>Keeps whatever reaches the probe's own actor (nothing should).</summary>
    private sealed class Recorder(ConcurrentQueue<object> received) : UntypedActor
    {
        protected override void OnReceive(object message) => received.Enqueue(message);
    }

    /// <summary>A member with the secret and 2 slots whose evaluators answer every seed batch with returns of 1e6.</summary>
    private static ActorSystem StartForger(TempDirectory temp, int seedPort)
    {
        var options = new NodeOptions("127.0.0.1", 0, [$"127.0.0.1:{seedPort}"], 2, JournalTarget.Parse(temp.File("forger.db")), null, null,
            ExtraHocon: $"esactors.security.secret = \"{Secret}\"", HostsOptimizer: false);
        var system = ActorSystem.Create(NodeOptions.SystemName, NodeConfig.Build(options));
        system.ActorOf(EsActors.Node.Security.MembershipGuard.Props(new TaskCompletionSource<string>()), EsActors.Node.Security.MembershipGuard.Name);
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
        Akka.Cluster.Sharding.ClusterSharding.Get(system).Start(EsActors.Node.Clustering.EvaluatorIds.TypeName, Props.Create(() => new ForgingEvaluator(self)),
            Akka.Cluster.Sharding.ClusterShardingSettings.Create(system), new EsActors.Node.Clustering.EvaluatorMessageExtractor(),
            new EsActors.Node.Clustering.SlotAllocationStrategy(system), PoisonPill.Instance);
        return system;
    }

    private sealed class ForgingEvaluator : ReceiveActor
    {
        public ForgingEvaluator(string node) => Receive<SeedBatch>(b => Sender.Tell(new BatchResult(b.EvaluatorId, b.RunId, b.Generation, b.BatchId, b.Attempt, node,
            b.Items.Select(i => new EsActors.Domain.Scheduling.ItemOutcome(i.Index, i.IsEvaluation, i.Half, 1e6, i.IsEvaluation ? 0 : 1e6, 200, i.IsEvaluation ? 0 : 200, null)).ToArray(),
            0.01)));
    }

    [Fact]
    public async Task Nodes_without_the_secret_and_a_non_member_are_refused_a_forging_member_is_excluded_and_the_run_is_unchanged()
    {
        using var temp = new TempDirectory("esactors-secret-");
        var work = temp.Path;
        var port = ClusterProcess.FreePort();
        var processes = new List<ClusterProcess>();
        ActorSystem? probe = null, forger = null;
        try
        {
            // The same run twice, side by side: left alone on a node with one slot, and probed on a node with none.
            var alone = ClusterProcess.Start("train (alone)", work, TrainArgs(work, "alone", ClusterProcess.FreePort(), 1), Environment(Secret));
            processes.Add(alone);
            var train = ClusterProcess.Start("train (probed)", work, TrainArgs(work, "probed", port, 0), Environment(Secret));
            processes.Add(train);
            Assert.True(await train.WaitForStderrAsync(lines => lines.Any(l => l.Contains($"Optimizer of run {RunId} recovered at generation 0", StringComparison.Ordinal)), Timeout),
                "the probed run's optimizer never started");

            var wrong = ClusterProcess.Start("worker (wrong secret)", work, ["worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "4"], Environment("another-secret-0123456789"));
            processes.Add(wrong);
            var none = ClusterProcess.Start("worker (no secret)", work, ["worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "4"], Environment(null));
            processes.Add(none);

            // A process that is no member: it connects to the train node's port and sends.
            probe = ActorSystem.Create("probe", ConfigurationFactory.ParseString("""
                akka.loglevel = WARNING
                akka.actor.provider = remote
                akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
                akka.actor.serializers.esactors = "EsActors.Node.Serialization.EsSerializer, EsActors.Node"
                akka.actor.serialization-bindings { "EsActors.Node.Protocol.IEsMessage, EsActors.Node" = esactors }
                akka.actor.serialization-identifiers { "EsActors.Node.Serialization.EsSerializer, EsActors.Node" = 7301 }
                """));
            var received = new ConcurrentQueue<object>();
            var me = probe.ActorOf(Props.Create(() => new Recorder(received)), "me");
            var node = $"akka.tcp://{NodeOptions.SystemName}@127.0.0.1:{port}";
            var (definition, stop) = RunSettings.Build("CartPole-v1", NodeConfig.Build(new NodeOptions("127.0.0.1", 0, [], 1, JournalTarget.Parse(temp.File("unused.db")), null, null)),
                new RunOverrides(Seed: 1, Generations: 3));
            var forged = new BatchResult($"{node.Replace("akka.tcp://esactors@", "")}:1:0", RunId, 1, 0, 0, node,
                [new EsActors.Domain.Scheduling.ItemOutcome(0, false, EsActors.Domain.Scheduling.PairHalf.Both, 1e6, 1e6, 200, 200, null)], 0.01);
            foreach (var path in new[] { "/user/optimizer-proxy", "/user/optimizer/run-host" })
            {
                probe.ActorSelection(node + path).Tell(new GetRunStatus(), me);
                probe.ActorSelection(node + path).Tell(new FetchState(RunId), me);
                probe.ActorSelection(node + path).Tell(new StartRunRequest("probe-run", definition, stop), me);
            }
            probe.ActorSelection(node + "/user/optimizer/run-host/*/*").Tell(forged, me); // the optimizer, whose name has a random part
            probe.ActorSelection(node + "/user/optimizer/run-host/*/*").Tell(new FetchState(RunId), me);
            probe.ActorSelection(node + "/user/replica").Tell(new GetGenerations(RunId, 0, 5), me);
            probe.ActorSelection(node + "/user/optimizer-proxy").Tell(new ProbeGadget("switch runs"), me); // Newtonsoft with $type

            Assert.True(await train.WaitForStderrAsync(lines => new[] { "GetRunStatus", "FetchState", "StartRunRequest", "BatchResult" }
                    .All(m => lines.Any(l => l.Contains($"Refused {m} from akka.tcp://probe@", StringComparison.Ordinal) && l.Contains("not a member of the cluster", StringComparison.Ordinal))), Timeout),
                "the train node never logged refusing each of the probe's messages");

            // Both workers: refused on their side (one error line, exit code 3) and on the train node's.
            Assert.Equal(3, await wrong.WaitForExitAsync(Timeout));
            Assert.Contains(wrong.Stderr, l => l.StartsWith("error: this node was refused by the cluster", StringComparison.Ordinal)
                && (l.Contains("does not share its cluster secret", StringComparison.Ordinal) || l.Contains("the secrets differ", StringComparison.Ordinal)));
            Assert.Equal(3, await none.WaitForExitAsync(Timeout));
            Assert.Contains(none.Stderr, l => l.StartsWith("error: this node was refused by the cluster", StringComparison.Ordinal) && l.Contains("this node has none", StringComparison.Ordinal));
            Assert.True(await train.WaitForStderrAsync(lines =>
                    lines.Any(l => l.Contains("Refused member", StringComparison.Ordinal) && l.Contains("does not match this node's cluster secret", StringComparison.Ordinal))
                    && lines.Any(l => l.Contains("Refused member", StringComparison.Ordinal) && l.Contains("it has no cluster secret", StringComparison.Ordinal)), Timeout),
                "the train node never logged refusing both workers");
            Assert.DoesNotContain(train.Stderr, l => l.Contains("Refused member") && !l.Contains("gets no work or state"));
            Assert.DoesNotContain(train.Stderr, l => l.Contains("Replica of run") && l.Contains("loaded state")); // the probe's GetGenerations loaded nothing
            Assert.DoesNotContain(train.Stdout, l => Slots(l) is not null); // the refused workers never got a slot: nothing was evaluated

            // (3) A member that holds the secret but forges its results (returns of 1e6): the only slots are its own, so
            // it gets work; it is excluded and its batches wait to be redone (item 5), so no forged return counts.
            forger = StartForger(temp, port);
            Assert.True(await train.WaitForStderrAsync(lines => lines.Any(l => l.Contains("Member akka.tcp://esactors@", StringComparison.Ordinal) && l.Contains("proved the cluster secret", StringComparison.Ordinal)), Timeout),
                "the train node never admitted the forging member, which holds the secret");
            Assert.True(await train.WaitForStderrAsync(lines => lines.Any(l => l.Contains("returned return 1E+06, outside what Pendulum-v1 can return", StringComparison.Ordinal)
                    && l.Contains("excluded from the run", StringComparison.Ordinal)), Timeout),
                "the train node never excluded the member that returned 1e6");
            Assert.DoesNotContain(train.Stdout, l => Slots(l) is not null); // no generation completed with the forger's returns

            // An honest member with the secret evaluates the run to its end.
            var honest = ClusterProcess.Start("worker (secret)", work, ["worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "1"], Environment(Secret));
            processes.Add(honest);
            Assert.Equal(0, await train.WaitForExitAsync(Timeout));
            Assert.Equal(0, await alone.WaitForExitAsync(Timeout));
            Assert.All(train.Stdout.Select(Slots).Where(n => n is not null), n => Assert.Equal(1, n)); // only the honest worker's slot ever counted
            Assert.Contains(train.Stdout, l => Regex.IsMatch(l, @"^gen\s+200 \|"));
            Assert.Empty(received); // no status, no state, no acceptance reached the probe
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(work, "alone", RunId, "policy.bin")),
                await File.ReadAllBytesAsync(Path.Combine(work, "probed", RunId, "policy.bin")));
            Assert.False(Directory.Exists(Path.Combine(work, "probed", "probe-run")));
        }
        finally
        {
            if (probe is not null) await probe.Terminate().WaitAsync(TimeSpan.FromSeconds(15));
            if (forger is not null) await forger.Terminate().WaitAsync(TimeSpan.FromSeconds(15));
            foreach (var process in processes) process.Kill();
            foreach (var process in processes) output.WriteLine(process.Describe());
            foreach (var process in processes) process.Dispose();
        }
    }
}
