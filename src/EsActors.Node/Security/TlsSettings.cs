using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace EsActors.Node.Security;

/// <summary>
/// Remoting over mutually authenticated TLS, <c>esactors.security.tls</c> in hocon/security.conf: every connection
/// between nodes is encrypted, and both ends must show a certificate issued by the cluster's own CA. Akka's HOCON
/// settings would check certificates against the machine's trust store (any public CA, or a self-signed one only
/// with validation off); this passes Akka a validator that trusts exactly the configured CA instead.
/// </summary>
public sealed record TlsSettings(string CertificatePath, string Password, string CaCertificatePath)
{
    public const string Section = "esactors.security.tls";

    /// <summary>Environment variable read when the HOCON password is empty (keeps the password out of files and process lists).</summary>
    public const string PasswordVariable = "ESACTORS_TLS_PASSWORD";

    /// <summary>The settings when TLS is enabled, else null; a missing file or key names the setting.</summary>
    public static TlsSettings? From(Config config)
    {
        var c = config.GetConfig(Section);
        if (c is null || !c.GetBoolean("enabled", false)) return null;
        var certificate = c.GetString("certificate", "");
        var ca = c.GetString("ca-certificate", "");
        if (string.IsNullOrWhiteSpace(certificate)) throw new UserError($"{Section}.certificate must name this node's PKCS#12 (.pfx) file when TLS is enabled");
        if (string.IsNullOrWhiteSpace(ca)) throw new UserError($"{Section}.ca-certificate must name the cluster CA's certificate (PEM or DER) when TLS is enabled");
        var password = c.GetString("password", "");
        if (password.Length == 0) password = Environment.GetEnvironmentVariable(PasswordVariable) ?? "";
        var settings = new TlsSettings(certificate, password, ca);
        settings.LoadCertificate().Dispose(); // fail at start with one line, not at the first connection
        settings.LoadCa().Dispose();
        return settings;
    }

    /// <summary>What Akka's remoting is told: TLS on, a client certificate required on every connection.</summary>
    public static string AkkaHocon => """
        akka.remote.dot-netty.tcp.enable-ssl = on
        akka.remote.dot-netty.tcp.ssl.require-mutual-authentication = on
        akka.remote.dot-netty.tcp.ssl.suppress-validation = off
        """;

    /// <summary>The node's certificate and the validator, for <c>ActorSystem.Create</c>'s setup.</summary>
    public DotNettySslSetup Setup() =>
        new(LoadCertificate(), suppressValidation: false, requireMutualAuthentication: true, new ClusterCertificateValidator(LoadCa()).Validate);

    private X509Certificate2 LoadCertificate()
    {
        X509Certificate2 certificate;
        try { certificate = X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, Password); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new UserError($"cannot load {Section}.certificate {CertificatePath}: {e.Message.Trim()} (wrong password? set {Section}.password or {PasswordVariable})");
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new UserError($"{Section}.certificate {CertificatePath} holds no private key: export the node's certificate with its key (PKCS#12)");
        }
        return certificate;
    }

    private X509Certificate2 LoadCa()
    {
        try { return X509CertificateLoader.LoadCertificateFromFile(CaCertificatePath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new UserError($"cannot load {Section}.ca-certificate {CaCertificatePath}: {e.Message.Trim()}");
        }
    }
}
