using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Configuration;

namespace EsActors.Node.Security;

/// <summary>
/// The cluster's shared membership secret (<c>esactors.security.secret</c>, <c>secret-file</c>, or the environment
/// variable <see cref="Variable"/>): a member proves it holds the secret with an HMAC over both nodes' addresses and a
/// fresh nonce (<see cref="MembershipGuard"/>). The secret itself never travels and is never logged.
/// </summary>
public sealed class ClusterSecret
{
    public const string Section = "esactors.security";
    public const string Variable = "ESACTORS_CLUSTER_SECRET";
    public const int MinimumLength = 16;
    private static readonly byte[] Context = Encoding.UTF8.GetBytes("esactors-membership/1");

    private readonly byte[] _key;

    private ClusterSecret(byte[] key) => _key = key;

    /// <summary>The configured secret, or null when none is (an open cluster). A bad setting names itself in one line.</summary>
    public static ClusterSecret? From(Config config)
    {
        var inline = config.GetString($"{Section}.secret", "") ?? "";
        var file = config.GetString($"{Section}.secret-file", "") ?? "";
        if (inline.Length > 0 && file.Length > 0) throw new UserError($"set either {Section}.secret or {Section}.secret-file, not both");
        string text, origin;
        if (inline.Length > 0) (text, origin) = (inline, $"{Section}.secret");
        else if (file.Length > 0)
        {
            try { text = File.ReadAllText(file).TrimEnd('\r', '\n'); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"cannot read {Section}.secret-file {file}: {e.Message}"); }
            origin = $"{Section}.secret-file {file}";
        }
        else if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment) (text, origin) = (fromEnvironment, Variable);
        else return null;
        if (text.Length < MinimumLength) throw new UserError($"{origin} is too short: the cluster secret needs at least {MinimumLength} characters (e.g. openssl rand -hex 32)");
        return new ClusterSecret(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>What <paramref name="prover"/> answers <paramref name="challenger"/>'s nonce with.</summary>
    public byte[] Proof(Address challenger, Address prover, ReadOnlySpan<byte> nonce)
    {
        var message = new List<byte>(Context);
        foreach (var part in new[] { Encoding.UTF8.GetBytes(challenger.ToString()), Encoding.UTF8.GetBytes(prover.ToString()), nonce.ToArray() })
        {
            message.AddRange(BitConverter.GetBytes(part.Length)); // length-prefixed: no two splits give the same bytes
            message.AddRange(part);
        }
        return HMACSHA256.HashData(_key, message.ToArray());
    }

    /// <summary>Whether <paramref name="mac"/> is <paramref name="prover"/>'s proof for this node's nonce (constant time).</summary>
    public bool Verifies(Address challenger, Address prover, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> mac) =>
        mac.Length == HMACSHA256.HashSizeInBytes && CryptographicOperations.FixedTimeEquals(Proof(challenger, prover, nonce), mac);

    public override string ToString() => "ClusterSecret(…)";
}
