using System.Text.RegularExpressions;
using EsActors.Node.Tests.Cluster;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests.Security;

/// <summary>
/// Remoting over mutual TLS between real node processes on loopback, with a CA and node certificates made for the
/// test: members with the cluster CA's certificates form a cluster and train; a node whose certificate comes from
/// another CA (even one that knows the cluster's CA certificate, which is public) is refused at the handshake, logged,
/// and never gets a slot. Every wait has a deadline; every process is killed in a finally.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TlsClusterProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly Dictionary<string, string> Logging = new() { ["ESACTORS_LOG_LEVEL"] = "Information" };
    private static readonly Regex SlotsPattern = new(@"\| slots (\d+)(?: |$)", RegexOptions.Compiled);
    private const string Password = "node-secret";

    private static int? Slots(string line)
    {
        if (!line.StartsWith("gen ", StringComparison.Ordinal)) return null;
        var match = SlotsPattern.Match(line);
        return match.Success ? int.Parse(match.Groups[1].Value) : null;
    }

    /// <summary>A --config file: TLS with this certificate and CA, the password from the environment, a tolerant failure detector for busy test machines.</summary>
    private static string TlsConfig(string work, string name, string certificate, string ca)
    {
        var path = Path.Combine(work, name + ".conf");
        File.WriteAllText(path, $$"""
            esactors.security.tls {
              enabled = on
              certificate = "{{certificate}}"
              ca-certificate = "{{ca}}"
            }
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 4s
            """);
        return path;
    }

    [Fact]
    public async Task Nodes_with_the_cluster_CA_train_over_TLS_and_a_node_certified_by_another_CA_is_refused()
    {
        using var temp = new TempDirectory("esactors-tls-");
        var work = temp.Path;
        using var clusterCa = new TestCertificateAuthority("EsActors test cluster CA");
        using var otherCa = new TestCertificateAuthority("Somebody else's CA");
        var caFile = clusterCa.WriteCertificate(Path.Combine(work, "cluster-ca.pem"));
        var trainConfig = TlsConfig(work, "train", clusterCa.IssueNodeCertificate(Path.Combine(work, "train.pfx"), "train node", Password), caFile);
        var workerConfig = TlsConfig(work, "worker", clusterCa.IssueNodeCertificate(Path.Combine(work, "worker.pfx"), "worker node", Password), caFile);
        // The stranger trusts the cluster's CA (its certificate is no secret) but holds a certificate from another CA.
        var strangerConfig = TlsConfig(work, "stranger", otherCa.IssueNodeCertificate(Path.Combine(work, "stranger.pfx"), "stranger node", Password), caFile);
        var environment = new Dictionary<string, string>(Logging) { ["ESACTORS_TLS_PASSWORD"] = Password };

        var port = ClusterProcess.FreePort();
        var processes = new List<ClusterProcess>();
        try
        {
            var train = ClusterProcess.Start("train (TLS)", work,
                ["train", "--env", "Pendulum-v1", "--run-id", "tls", "--out", Path.Combine(work, "out"), "--journal", Path.Combine(work, "journal.db"),
                 "--generations", "2000", "--population", "200", "--target-return", "0", "--seed", "5", "--slots", "1",
                 "--port", port.ToString(), "--config", trainConfig], environment);
            processes.Add(train);
            Assert.True(await train.WaitForStdoutAsync(lines => lines.Any(l => Slots(l) == 1), Timeout), "the TLS node never trained alone");

            processes.Add(ClusterProcess.Start("worker (TLS, cluster CA)", work,
                ["worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "1", "--config", workerConfig], environment));
            Assert.True(await train.WaitForStdoutAsync(lines => lines.Count(l => Slots(l) == 2) >= 3, Timeout),
                "the worker with a certificate from the cluster CA never joined the training");

            processes.Add(ClusterProcess.Start("stranger (TLS, other CA)", work,
                ["worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "1", "--config", strangerConfig], environment));
            Assert.True(await train.WaitForStderrAsync(lines => lines.Any(l => l.Contains("TLS: refused the connection", StringComparison.Ordinal)
                    && l.Contains("stranger node", StringComparison.Ordinal) && l.Contains("not issued by the cluster CA", StringComparison.Ordinal)), Timeout),
                "the train node never logged refusing the stranger's certificate");
            // Training goes on with the two members while the stranger keeps knocking.
            var generationsAtRefusal = train.Stdout.Count(l => Slots(l) is not null);
            Assert.True(await train.WaitForStdoutAsync(lines => lines.Count(l => Slots(l) is not null) >= generationsAtRefusal + 10, Timeout),
                "training stopped after the stranger was refused");

            Assert.DoesNotContain(train.Stdout, l => Slots(l) is > 2);
            Assert.False(processes[2].HasExited, "the stranger should still be trying (and failing) to join, not crash");
        }
        finally
        {
            foreach (var process in processes) process.Kill();
            foreach (var process in processes) output.WriteLine(process.Describe());
            foreach (var process in processes) process.Dispose();
        }
    }
}
