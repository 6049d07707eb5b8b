using Akka.Actor;
using EsActors.Node.Configuration;
using EsActors.Node.Protocol;
using EsActors.Node.Security;
using EsActors.Node.Tests.Support;

namespace EsActors.Node.Tests.Security;

/// <summary>
/// What the member-checked mailbox lets through, on a real node configuration (open cluster, no secret): senders on
/// this node, never a remote system that is no member; run messages and kills must name a sender; Akka's death watch passes.
/// </summary>
public sealed class MemberAuthorityTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("esactors-authority-");
    private ActorSystem _node = null!;

    public Task InitializeAsync()
    {
        var options = new NodeOptions("127.0.0.1", 0, [], 1, JournalTarget.Parse(_temp.File("journal.db")), null, null);
        _node = ActorSystem.Create(NodeOptions.SystemName, NodeConfig.Build(options));
        return Task.CompletedTask;
    }

    private IActorRef Remote(string path) => ((ExtendedActorSystem)_node).Provider.ResolveActorRef(path);

    [Fact]
    public void Local_senders_pass_strangers_and_nameless_run_messages_are_refused_and_death_watch_passes()
    {
        var authority = MemberAuthority.Get(_node);
        Assert.False(authority.RequiresProof);
        var local = _node.ActorOf(Props.Empty, "local");
        var stranger = Remote("akka.tcp://probe@10.9.9.9:4711/user/me");

        Assert.Null(authority.Refusal(local, new FetchState("run")));
        Assert.Equal("it is not a member of the cluster", authority.Refusal(stranger, new FetchState("run")));
        Assert.NotNull(authority.Refusal(stranger, new StartRunRequest("x", null!, null!)));
        Assert.NotNull(authority.Refusal(stranger, PoisonPill.Instance));
        Assert.NotNull(authority.Refusal(stranger, new Identify(1)));
        Assert.Equal("it names no sender", authority.Refusal(ActorRefs.NoSender, new FetchState("run")));
        Assert.NotNull(authority.Refusal(ActorRefs.Nobody, PoisonPill.Instance));
        Assert.Null(authority.Refusal(ActorRefs.NoSender, "a local tick"));
        Assert.Null(authority.Refusal(stranger, new Terminated(stranger, existenceConfirmed: true, addressTerminated: true)));
        Assert.False(authority.Admits(stranger.Path.Address));
    }

    public async Task DisposeAsync()
    {
        await _node.Terminate().WaitAsync(TimeSpan.FromSeconds(15));
        _temp.Dispose();
    }
}
