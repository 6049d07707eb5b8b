using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Persistence.Sql;
using EsActors.Node.Clustering;
using EsActors.Node.Security;

namespace EsActors.Node.Configuration;

/// <summary>How a node is started: its address, peers, capacity, journal and optional HOCON overrides.</summary>
public sealed record NodeOptions(
    string Hostname,
    int Port,
    IReadOnlyList<string> SeedNodes,
    int Slots,
    JournalTarget Journal,
    string? EnvironmentId,
    string? ConfigFile,
    string? ExtraHocon = null,
    bool HostsOptimizer = true)
{
    public const string SystemName = "esactors";
}

/// <summary>Dispatchers the node configures itself.</summary>
public static class NodeDispatchers
{
    /// <summary>
    /// One dedicated thread per evaluator slot: episodes block their thread for the whole batch. A node without slots
    /// keeps one thread for an evaluator the sharding coordinator places on it when the node a slot names is gone.
    /// </summary>
    public const string Evaluator = "esactors.evaluator-dispatcher";
}

/// <summary>
/// Assembles the node's configuration, highest priority first: generated settings from the command line, extra
/// HOCON (tests), --config FILE, the environment preset hocon/envs/&lt;id&gt;.conf, the concern files in hocon/, then
/// the plugins' own defaults.
/// </summary>
public static class NodeConfig
{
    public static string HoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    /// <summary>
    /// Akka's own log level, set once at start-up from the Serilog level: below it Akka does not even format
    /// messages, and its shutdown lines do not reach the console of a command that prints progress.
    /// </summary>
    public static string AkkaLogLevel { get; set; } = "INFO";

    public static Config Build(NodeOptions options)
    {
        CheckAddresses(options);
        var protocol = options.ExtraHocon is null && options.ConfigFile is null ? Compatibility.ProtocolVersion
            : Compatibility.ConfiguredProtocol(ConfigurationFactory.ParseString(options.ExtraHocon ?? "").WithFallback(options.ConfigFile is null ? ConfigurationFactory.Empty : LoadFile(options.ConfigFile, "--config")));
        var roles = new List<string> { NodeRoles.Slots(options.Slots) };
        roles.AddRange(Compatibility.Roles(protocol));
        if (options.HostsOptimizer) roles.Add(NodeRoles.Journal);
        var generated = ConfigurationFactory.ParseString($$"""
            akka.loglevel = {{AkkaLogLevel}}
            akka.remote.dot-netty.tcp.hostname = "{{Escape(options.Hostname)}}"
            akka.remote.dot-netty.tcp.port = {{options.Port}}
            akka.cluster.seed-nodes = {{SeedNodes(options, "akka.tcp")}}
            akka.cluster.roles = [{{string.Join(", ", roles.Select(r => $"\"{r}\""))}}]
            akka.persistence.journal.sql.connection-string = "{{Escape(options.Journal.ConnectionString)}}"
            akka.persistence.snapshot-store.sql.connection-string = "{{Escape(options.Journal.ConnectionString)}}"
            {{NodeDispatchers.Evaluator}} {
              type = ForkJoinDispatcher
              throughput = 1
              dedicated-thread-pool { thread-count = {{Math.Max(1, options.Slots)}}, threadtype = background }
            }
            """);
        var config = generated;
        if (options.ExtraHocon is not null) config = config.WithFallback(ParseOrThrow(options.ExtraHocon, "test overrides"));
        if (options.ConfigFile is not null) config = config.WithFallback(LoadFile(options.ConfigFile, "--config"));
        if (options.EnvironmentId is not null) config = config.WithFallback(LoadPreset(options.EnvironmentId));
        foreach (var concern in new[] { "cluster", "sharding", options.Journal.IsPostgres ? "persistence-postgres" : "persistence-sqlite", "serialization", "security", "logging", "esactors" })
            config = config.WithFallback(LoadFile(Path.Combine(HoconDirectory, concern + ".conf"), "built-in"));
        // TLS is configured in esactors.security.tls (checked here, so a bad file is one error line at start); remoting
        // is switched to it here and gets the certificate and the CA's validator from EsNode.Start.
        // Over TLS Akka's addresses carry the scheme akka.ssl.tcp: seed nodes must name it too.
        if (TlsSettings.From(config) is not null)
            config = ConfigurationFactory.ParseString($"{TlsSettings.AkkaHocon}\nakka.cluster.seed-nodes = {SeedNodes(options, "akka.ssl.tcp")}").WithFallback(config);
        return config
            .WithFallback(SqlPersistence.DefaultConfiguration)
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(ClusterSharding.DefaultConfig())
            .WithFallback(DistributedPubSub.DefaultConfig());
    }

    /// <summary>
    /// Checks what the command line puts into the remoting settings before it reaches Akka: a bad value there is a
    /// stack trace from remoting start-up (a port out of range), a changed setting (a quote in a host name), or half a
    /// minute of join attempts (a seed node without a port).
    /// </summary>
    private static void CheckAddresses(NodeOptions options)
    {
        if (Uri.CheckHostName(options.Hostname) == UriHostNameType.Unknown)
            throw new UserError($"--hostname '{options.Hostname}' is not a host name or IP address");
        if (options.Port is < 0 or > 65535) throw new UserError($"--port must be between 0 and 65535, got {options.Port}");
        foreach (var seed in options.SeedNodes)
        {
            var colon = seed.LastIndexOf(':');
            var host = colon > 0 ? seed[..colon].Trim('[', ']') : "";
            if (colon <= 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown
                || !int.TryParse(seed[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                throw new UserError($"--seed-nodes '{seed}' must be host:port (port 1-65535), e.g. 127.0.0.1:4053");
        }
    }

    private static string SeedNodes(NodeOptions options, string scheme) =>
        $"[{string.Join(", ", options.SeedNodes.Select(s => $"\"{scheme}://{NodeOptions.SystemName}@{Escape(s)}\""))}]";

    /// <summary>A local (non-cluster) system that can read the journal: used by <c>export</c> and <c>runs</c>.</summary>
    public static Config BuildLocal(JournalTarget journal)
    {
        var generated = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = local
            akka.loglevel = {{AkkaLogLevel}}
            akka.persistence.journal.sql.connection-string = "{{Escape(journal.ConnectionString)}}"
            akka.persistence.snapshot-store.sql.connection-string = "{{Escape(journal.ConnectionString)}}"
            akka.persistence.query.journal.sql.connection-string = "{{Escape(journal.ConnectionString)}}"
            """);
        var config = generated;
        foreach (var concern in new[] { journal.IsPostgres ? "persistence-postgres" : "persistence-sqlite", "serialization", "logging" })
            config = config.WithFallback(LoadFile(Path.Combine(HoconDirectory, concern + ".conf"), "built-in"));
        return config.WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>Training defaults only (no cluster), for commands that need the run settings.</summary>
    public static Config RunSettings(string environmentId, string? configFile)
    {
        Config config = ConfigurationFactory.Empty;
        if (configFile is not null) config = config.WithFallback(LoadFile(configFile, "--config"));
        return config.WithFallback(LoadPreset(environmentId)).WithFallback(LoadFile(Path.Combine(HoconDirectory, "esactors.conf"), "built-in"));
    }

    private static Config LoadPreset(string environmentId)
    {
        var path = Path.Combine(HoconDirectory, "envs", environmentId + ".conf");
        return File.Exists(path) ? LoadFile(path, "preset") : ConfigurationFactory.Empty;
    }

    public static Config LoadFile(string path, string what)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"cannot read {what} file {path}: {e.Message}"); }
        return ParseOrThrow(text, $"{what} file {path}");
    }

    private static Config ParseOrThrow(string text, string what)
    {
        // Akka's parser accepts much malformed text silently (see HoconCheck): check the structure first.
        if (HoconCheck.FindSyntaxProblem(text) is { } problem) throw new UserError($"malformed HOCON in {what}: {problem}");
        Config config;
        try { config = ConfigurationFactory.ParseString(text); }
        catch (Exception e) { throw new UserError($"malformed HOCON in {what}: {FirstLine(e.Message)}"); }
        if (config.Root is { } root && HoconCheck.FindKeyWithoutValue(root) is { } key)
            throw new UserError($"malformed HOCON in {what}: '{key}' has no value");
        return config;
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
