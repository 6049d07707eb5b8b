using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;

namespace EsActors.Node.Security;

/// <summary>
/// Accepts a peer's TLS certificate only when its chain ends at the cluster's CA (and nowhere else: the machine's
/// trust store plays no part). Host names are not checked: nodes are reached by IP address and every node holds its
/// own certificate, so the CA's signature is what says "member". Each refusal is logged with the peer and why.
/// </summary>
public sealed class ClusterCertificateValidator(X509Certificate2 clusterCa)
{
    public bool Validate(X509Certificate2? certificate, X509Chain? presented, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (certificate is null)
        {
            log.Warning("TLS: refused the connection with {0}: it presented no certificate", peer);
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
        // A private CA publishes no revocation list; revoke a node by replacing the CA (docs/security.md).
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.Equals(certificate)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (chain.Build(certificate)) return true;
        var why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        log.Warning("TLS: refused the connection with {0}: its certificate '{1}' (issuer '{2}') is not issued by the cluster CA '{3}' ({4})",
            peer, certificate.Subject, certificate.Issuer, clusterCa.Subject, why.Length > 0 ? why : "chain does not build");
        return false;
    }
}
