using Akka.Actor;
using Akka.Configuration;
using EsActors.Node.Configuration;
using EsActors.Node.Protocol;
using EsActors.Node.Security;
using EsActors.Node.Serialization;
using EsActors.Node.Tests.Support;

namespace EsActors.Node.Tests.Security;

/// <summary>The cluster secret as a plain class: where it comes from, what a bad setting says, and what a proof is bound to.</summary>
public sealed class MembershipSecretTests
{
    private const string Secret = "0123456789abcdef-cluster";
    private static readonly Address A = new("akka.tcp", "esactors", "10.0.0.1", 2551), B = new("akka.tcp", "esactors", "10.0.0.2", 2551);

    private static ClusterSecret? From(string hocon) => ClusterSecret.From(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void A_proof_verifies_only_for_the_same_secret_addresses_and_nonce()
    {
        var secret = From($"esactors.security.secret = \"{Secret}\"")!;
        var other = From("esactors.security.secret = \"another-secret-of-16+\"")!;
        byte[] nonce = [1, 2, 3, 4], otherNonce = [1, 2, 3, 5];
        var proof = secret.Proof(A, B, nonce);

        Assert.True(secret.Verifies(A, B, nonce, proof));
        Assert.False(other.Verifies(A, B, nonce, proof));             // another secret
        Assert.False(secret.Verifies(A, B, otherNonce, proof));       // replayed for another challenge
        Assert.False(secret.Verifies(B, A, nonce, proof));            // relayed: the roles swapped
        Assert.False(secret.Verifies(A, A, nonce, proof));            // claimed for another prover
        Assert.False(secret.Verifies(A, B, nonce, []));               // a node without a secret
        Assert.DoesNotContain(Secret, secret.ToString());
    }

    [Fact]
    public void The_secret_comes_from_hocon_or_a_file_and_a_bad_setting_is_one_line_naming_it()
    {
        using var temp = new TempDirectory("esactors-secret-");
        var file = temp.File("secret.txt");
        File.WriteAllText(file, Secret + "\n");
        var fromFile = From($"esactors.security.secret-file = \"{file}\"")!;
        var inline = From($"esactors.security.secret = \"{Secret}\"")!;
        byte[] nonce = [9];
        Assert.True(inline.Verifies(A, B, nonce, fromFile.Proof(A, B, nonce))); // the file's trailing newline is not part of it

        if (Environment.GetEnvironmentVariable(ClusterSecret.Variable) is null) Assert.Null(From("esactors.security.secret = \"\""));
        Assert.Contains("at least 16 characters", Assert.Throws<UserError>(() => From("esactors.security.secret = \"short\"")).Message);
        Assert.Contains("not both", Assert.Throws<UserError>(() => From($"esactors.security {{ secret = \"{Secret}\", secret-file = \"{file}\" }}")).Message);
        var missing = Assert.Throws<UserError>(() => From($"esactors.security.secret-file = \"{temp.File("none.txt")}\"")).Message;
        Assert.Contains("esactors.security.secret-file", missing);
        Assert.DoesNotContain(Secret, missing);
    }

    [Fact]
    public async Task Challenge_and_proof_round_trip_through_the_protocol_serializer_and_oversized_fields_are_refused()
    {
        using var temp = new TempDirectory("esactors-secret-");
        var options = new NodeOptions("127.0.0.1", 0, [], 1, JournalTarget.Parse(temp.File("journal.db")), null, null);
        var system = ActorSystem.Create(NodeOptions.SystemName, NodeConfig.Build(options));
        var serialization = system.Serialization;
        foreach (object message in new object[] { new MembershipChallenge([1, 2, 3]), new MembershipProof([1, 2, 3], new byte[32], VerifiedYou: true), new MembershipProof([7], [], VerifiedYou: false) })
        {
            var serializer = serialization.FindSerializerFor(message);
            Assert.IsType<EsSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            Assert.Equal(message, serialization.Deserialize(serialization.Serialize(message), serializer.Identifier, manifest));
        }
        var huge = new byte[] { 0, 0, 1, 0 }; // a nonce of 65,536 bytes
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serialization.Deserialize(huge, EsSerializer.Id, "mc1"));
        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(15));
    }
}
