using Akka.Actor;
using Akka.TestKit;
using EsActors.Node.Configuration;
using EsActors.Node.Protocol;
using EsActors.Node.Security;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace EsActors.Node.Tests.Security;

/// <summary>
/// The membership guard's protocol with a second member whose guard the test plays (a real node with the secret, on
/// loopback): a member that proved the secret but has not yet verified this node is admitted (its messages pass) yet
/// gets no work — its own run actors would drop this node's seed batches — and is challenged again until its proof says
/// it verified this node; only then is <see cref="MembershipGuard.MemberVerified"/> published (the optimizer's cue).
/// </summary>
public sealed class MutualVerificationTests(ITestOutputHelper output)
    : ClusterTestKit(output, slots: 1, extraHocon: $"esactors.security {{ secret = \"{Secret}\", proof-timeout = 60s }}")
{
    private const string Secret = "mutual-verification-secret-0123";

    private enum Answer { Silent, NotVerifiedYet, VerifiedYou }
    private sealed record SetAnswer(Answer Answer);
    private sealed record ChallengeThem(Address Member);
    private sealed record Challenged(Address By, Answer Answered);

    /// <summary>Stands at /user/membership-guard of the second member: answers challenges as told, reports each one.</summary>
    private sealed class ScriptedGuard : ReceiveActor
    {
        public ScriptedGuard(IActorRef report)
        {
            var secret = MemberAuthority.Get(Context.System).Secret!;
            var self = AkkaCluster.Get(Context.System).SelfAddress;
            var answer = Answer.Silent;
            Receive<SetAnswer>(s => answer = s.Answer);
            Receive<MembershipChallenge>(c =>
            {
                var challenger = Sender.Path.Address;
                if (answer != Answer.Silent) Sender.Tell(new MembershipProof(c.Nonce, secret.Proof(challenger, self, c.Nonce), answer == Answer.VerifiedYou));
                report.Tell(new Challenged(challenger, answer));
            });
            Receive<ChallengeThem>(c => Context.ActorSelection(new RootActorPath(c.Member) / "user" / MembershipGuard.Name).Tell(new MembershipChallenge([4, 2, 4, 2])));
            Receive<MembershipProof>(p => report.Tell(p));
        }
    }

    [Fact]
    public async Task A_member_that_has_not_verified_this_node_gets_no_work_and_is_asked_again_until_it_has()
    {
        var here = AkkaCluster.Get(Sys).SelfAddress;
        var authority = MemberAuthority.Get(Sys);
        var verifiedEvents = CreateTestProbe();
        Sys.EventStream.Subscribe(verifiedEvents.Ref, typeof(MembershipGuard.MemberVerified));
        var guard = Sys.ActorOf(MembershipGuard.Props(new TaskCompletionSource<string>()), MembershipGuard.Name);

        var options = new NodeOptions("127.0.0.1", 0, [$"{here.Host}:{here.Port}"], 1, JournalTarget.Parse(Temp.File("member.db")), null, null,
            ExtraHocon: $"esactors.security.secret = \"{Secret}\"\nakka.loglevel = INFO");
        var member = ActorSystem.Create(NodeOptions.SystemName, NodeConfig.Build(options));
        try
        {
            var memberAddress = AkkaCluster.Get(member).SelfAddress;
            var reports = CreateTestProbe(member);
            var scripted = member.ActorOf(Props.Create(() => new ScriptedGuard(reports.Ref)), MembershipGuard.Name);

            // This node challenges the newcomer as soon as it sees it; silence admits nothing.
            Assert.Equal(here, reports.ExpectMsg<Challenged>(TimeSpan.FromSeconds(30)).By);
            Assert.False(authority.Admits(memberAddress));
            // Asked in turn, this node proves the secret and says it has not verified the asker (yet).
            scripted.Tell(new ChallengeThem(here));
            var early = reports.FishForMessage(m => m is MembershipProof, Long) as MembershipProof;
            Assert.True(MemberAuthority.Get(member).Secret!.Verifies(memberAddress, here, [4, 2, 4, 2], early!.Mac));
            Assert.False(early.VerifiedYou);

            // A valid proof that has not verified this node: admitted, but no work and no MemberVerified.
            scripted.Tell(new SetAnswer(Answer.NotVerifiedYet));
            AwaitCondition(() => authority.Admits(memberAddress), Long, TimeSpan.FromMilliseconds(20));
            await guard.Ask<ActorIdentity>(new Identify(1), Long); // the guard finished handling that proof
            Assert.False(authority.AdmitsBothWays(memberAddress));
            verifiedEvents.ExpectNoMsg(TimeSpan.Zero);
            // ... and it is asked again (twice more, at the guard's 0.5-s tick), answered as before.
            reports.FishForMessage(m => m is Challenged { Answered: Answer.NotVerifiedYet }, Long);
            reports.FishForMessage(m => m is Challenged { Answered: Answer.NotVerifiedYet }, Long);
            Assert.False(authority.AdmitsBothWays(memberAddress));

            // Once its proof says it verified this node, the member gets work: MemberVerified is published.
            scripted.Tell(new SetAnswer(Answer.VerifiedYou));
            var verified = verifiedEvents.ExpectMsg<MembershipGuard.MemberVerified>(Long);
            Assert.Equal(memberAddress, verified.Member.Address);
            Assert.True(authority.AdmitsBothWays(memberAddress));
            // Asked now, this node says it verified the member.
            scripted.Tell(new ChallengeThem(here));
            var late = reports.FishForMessage(m => m is MembershipProof, Long) as MembershipProof;
            Assert.True(late!.VerifiedYou);
        }
        finally
        {
            await member.Terminate().WaitAsync(TimeSpan.FromSeconds(15));
        }
    }
}
