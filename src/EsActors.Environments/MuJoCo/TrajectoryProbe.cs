using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Runs a fixed, seed-independent action sequence and hashes every observation bit, reward and flag
/// (determinism checks in tests and in the probe process).
/// </summary>
internal static class TrajectoryProbe
{
    /// <summary>SHA-256 (hex) of a rollout of <paramref name="steps"/> steps; episodes restart with seed + episode index.</summary>
    public static string Hash(IEnvironment env, ulong seed, int steps)
    {
        var spec = env.Spec;
        var obs = new float[spec.ObservationSize];
        var action = new float[spec.Action.Size];
        var record = new byte[obs.Length * sizeof(float) + sizeof(double) + 2];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        ulong episode = 0;
        env.Reset(seed, obs);
        Append(sha, record, obs, 0.0, false, false);
        for (var t = 0; t < steps; t++)
        {
            FixedAction(spec.Action, t, action);
            var r = env.Step(action, obs);
            Append(sha, record, obs, r.Reward, r.Terminated, r.Truncated);
            if (r.Done)
            {
                episode++;
                env.Reset(seed + episode, obs);
                Append(sha, record, obs, 0.0, false, false);
            }
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    /// <summary>A smooth deterministic action inside the box: 0.8·high·sin(0.05·t + 1.3·i) (low = −high here).</summary>
    public static void FixedAction(ActionSpace space, int t, Span<float> action)
    {
        for (var i = 0; i < space.Size; i++)
        {
            var mid = 0.5 * (space.Low[i] + space.High[i]);
            var half = 0.5 * (space.High[i] - space.Low[i]);
            action[i] = (float)(mid + 0.8 * half * Math.Sin(0.05 * t + 1.3 * i));
        }
    }

    private static void Append(IncrementalHash sha, byte[] record, float[] obs, double reward, bool terminated, bool truncated)
    {
        var span = record.AsSpan();
        for (var i = 0; i < obs.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], BitConverter.SingleToInt32Bits(obs[i]));
        var o = obs.Length * 4;
        BinaryPrimitives.WriteInt64LittleEndian(span[o..], BitConverter.DoubleToInt64Bits(reward));
        span[o + 8] = terminated ? (byte)1 : (byte)0;
        span[o + 9] = truncated ? (byte)1 : (byte)0;
        sha.AppendData(record);
    }
}
