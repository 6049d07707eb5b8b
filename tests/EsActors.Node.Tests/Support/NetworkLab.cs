namespace EsActors.Node.Tests.Support;

/// <summary>
/// Network namespaces made by a test: one per node, each with its own address on a /24, joined to the root namespace
/// by a veth pair whose host end sits on bridge A. Moving host ends to bridge B cuts those nodes off from the rest
/// (they still reach each other); moving them back heals the partition. Needs root and iproute2 (CI has both); without
/// them the test fails saying so. Everything is deleted on dispose (a namespace's end of each veth pair goes with it).
/// </summary>
public sealed class NetworkLab : IDisposable
{
    private readonly string _tag;
    private readonly int _nodes;
    private readonly List<string> _made = new();

    private NetworkLab(string tag, int nodes, string subnet)
    {
        _tag = tag;
        _nodes = nodes;
        Subnet = subnet;
    }

    /// <summary>The first three octets of the lab's /24, e.g. "10.213.7".</summary>
    public string Subnet { get; }

    public string Address(int node) => $"{Subnet}.{node}";

    public string Namespace(int node) => $"esa{_tag}n{node}";

    private string HostEnd(int node) => $"e{_tag}h{node}";
    private string BridgeA => $"esa{_tag}A";
    private string BridgeB => $"esa{_tag}B";

    /// <summary>Makes namespaces 1..<paramref name="nodes"/> (addresses .1 … .n), all connected through bridge A.</summary>
    public static NetworkLab Create(int nodes)
    {
        // A tag and a subnet of this process's own: parallel runs on one machine never share names or addresses.
        var pid = Environment.ProcessId;
        var tag = (pid % 46656).ToString("x4");
        var lab = new NetworkLab(tag, nodes, $"10.{200 + pid % 50}.{pid / 50 % 250}");
        try
        {
            lab.Ip("link", "add", lab.BridgeA, "type", "bridge");
            lab._made.Add(lab.BridgeA);
            lab.Ip("link", "add", lab.BridgeB, "type", "bridge");
            lab._made.Add(lab.BridgeB);
            lab.Ip("link", "set", lab.BridgeA, "up");
            lab.Ip("link", "set", lab.BridgeB, "up");
            for (var i = 1; i <= nodes; i++)
            {
                var ns = lab.Namespace(i);
                var inner = $"e{tag}n{i}";
                lab.Ip("netns", "add", ns);
                lab._made.Add(ns);
                lab.Ip("link", "add", lab.HostEnd(i), "type", "veth", "peer", "name", inner);
                lab.Ip("link", "set", inner, "netns", ns);
                lab.Ip("-n", ns, "link", "set", inner, "name", "eth0");
                lab.Ip("-n", ns, "addr", "add", $"{lab.Address(i)}/24", "dev", "eth0");
                lab.Ip("-n", ns, "link", "set", "eth0", "up");
                lab.Ip("-n", ns, "link", "set", "lo", "up");
                lab.Ip("link", "set", lab.HostEnd(i), "master", lab.BridgeA);
                lab.Ip("link", "set", lab.HostEnd(i), "up");
            }
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>Cuts <paramref name="nodes"/> off from every node not listed (they keep reaching each other).</summary>
    public void CutOff(params int[] nodes)
    {
        foreach (var n in nodes) Ip("link", "set", HostEnd(n), "master", BridgeB);
    }

    /// <summary>Puts every node back on one network.</summary>
    public void Heal()
    {
        for (var i = 1; i <= _nodes; i++) Ip("link", "set", HostEnd(i), "master", BridgeA);
    }

    /// <summary>The command line that runs a program inside node <paramref name="node"/>'s namespace (ip execs it: same PID).</summary>
    public IReadOnlyList<string> Prefix(int node) => ["netns", "exec", Namespace(node)];

    private void Ip(params string[] args)
    {
        int code;
        string text;
        try { (code, text) = SystemCommand.Run("ip", args); }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"cannot run `ip` ({e.Message}): the partition tests need iproute2 and root (CI installs and has both)");
            throw;
        }
        if (code != 0)
            Assert.Fail($"ip {string.Join(' ', args)} failed (exit {code}: {text.Trim()}); making network namespaces needs root (CI runs as root)");
    }

    public void Dispose()
    {
        // Namespaces first (their processes were stopped by the test; a namespace's veth ends, and so their pairs, go with it).
        for (var i = _made.Count - 1; i >= 0; i--)
        {
            var name = _made[i];
            var args = name.StartsWith($"esa{_tag}n", StringComparison.Ordinal) ? new[] { "netns", "del", name } : new[] { "link", "del", name };
            try { SystemCommand.Run("ip", args); }
            catch (System.ComponentModel.Win32Exception) { }
        }
    }
}
