namespace EsActors.Node.Protocol;

/// <summary>
/// Membership guard → the guard of another member (<c>/user/membership-guard</c>): prove that you hold the cluster's secret,
/// for this fresh nonce. Sent to every member this node sees join, when a secret is configured.
/// </summary>
public sealed record MembershipChallenge(byte[] Nonce) : IEsMessage
{
    public bool Equals(MembershipChallenge? other) => other is not null && Nonce.AsSpan().SequenceEqual(other.Nonce);
    public override int GetHashCode() => Nonce.Length;
}

/// <summary>
/// Guard → the challenging guard: HMAC-SHA256 under the cluster secret of (challenger's address, this node's address,
/// nonce); empty when this node has no secret. Bound to both addresses, so a proof cannot be replayed or relayed.
/// <see cref="VerifiedYou"/> says whether this node has already verified the challenger's own proof: until it has, its
/// run actors drop the challenger's messages, so the challenger gives it no work yet and challenges again. The flag only
/// delays work; it admits nothing (each side's mailbox still checks its own verification).
/// </summary>
public sealed record MembershipProof(byte[] Nonce, byte[] Mac, bool VerifiedYou) : IEsMessage
{
    public bool Equals(MembershipProof? other) => other is not null && Nonce.AsSpan().SequenceEqual(other.Nonce) && Mac.AsSpan().SequenceEqual(other.Mac) && VerifiedYou == other.VerifiedYou;
    public override int GetHashCode() => Nonce.Length ^ Mac.Length;
}
