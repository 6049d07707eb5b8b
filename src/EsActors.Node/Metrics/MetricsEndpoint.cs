using Akka.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace EsActors.Node.Metrics;

/// <summary>
/// Opt-in Prometheus endpoint for the "EsActors" meter (OpenTelemetry's HttpListener exporter): off unless
/// <c>--metrics PORT</c> or <c>esactors.metrics.port</c> is given; listens on <c>esactors.metrics.host</c>
/// (default localhost: loopback only) at <c>/metrics</c>.
/// </summary>
public static class MetricsEndpoint
{
    public const string Section = "esactors.metrics";

    /// <summary>Starts the endpoint when a port is set (option first, then HOCON); null when metrics are off.</summary>
    public static IDisposable? Start(int? optionPort, Config config, out string? url)
    {
        var port = optionPort ?? config.GetInt($"{Section}.port", 0);
        url = null;
        if (port == 0) return null;
        if (port is < 1 or > 65535) throw new UserError($"--metrics: port must be between 1 and 65535, got {port}");
        var host = config.GetString($"{Section}.host", "localhost");
        var prefix = $"http://{host}:{port}/";
        url = prefix + "metrics";
        try
        {
            return Sdk.CreateMeterProviderBuilder()
                .AddMeter(EsMetrics.MeterName)
                .AddPrometheusHttpListener(o => { o.Host = host; o.Port = port; })
                .Build();
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or InvalidOperationException)
        {
            throw new UserError($"--metrics: cannot listen on {prefix}: {e.Message}");
        }
    }
}
