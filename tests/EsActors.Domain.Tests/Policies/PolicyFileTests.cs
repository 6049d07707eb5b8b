using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using EsActors.Domain.Policies;

namespace EsActors.Domain.Tests.Policies;

public class PolicyFileTests
{
    private static PolicyFile Sample()
    {
        var shape = new NetworkShape(3, [4, 5], 2, Activation.Relu);
        return new PolicyFile("Pendulum-v1", shape, 10, shape.InitialParameters(9), true, [0.5f, -1f, 2f], [1f, 0.25f, 3f]);
    }

    /// <summary>Replaces the trailing XxHash64 so a deliberately altered body passes the checksum.</summary>
    private static byte[] Reseal(ReadOnlySpan<byte> body)
    {
        var bytes = new byte[body.Length + 8];
        body.CopyTo(bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(body.Length), XxHash64.HashToUInt64(body));
        return bytes;
    }

    [Fact]
    public void A_policy_survives_a_round_trip_through_bytes()
    {
        // Arrange
        var original = Sample();

        // Act
        var parsed = PolicyFile.Parse(original.ToBytes());

        // Assert
        Assert.Equal(original.EnvironmentId, parsed.EnvironmentId);
        Assert.Equal(original.Network, parsed.Network);
        Assert.Equal(original.ActionBins, parsed.ActionBins);
        Assert.Equal(original.Theta, parsed.Theta);
        Assert.Equal(original.NormalizeObservations, parsed.NormalizeObservations);
        Assert.Equal(original.ObservationMean, parsed.ObservationMean);
        Assert.Equal(original.ObservationStd, parsed.ObservationStd);
    }

    [Fact]
    public void A_policy_survives_a_round_trip_through_a_file_and_leaves_no_temporary_file()
    {
        // Arrange
        var directory = Directory.CreateTempSubdirectory("esactors-policy-");
        try
        {
            var path = Path.Combine(directory.FullName, "policy.bin");
            var original = Sample() with { EnvironmentId = "Ünïcode-v0", NormalizeObservations = false };

            // Act
            original.Write(path);
            original.Write(path); // overwriting an existing file works too
            var read = PolicyFile.Read(path);

            // Assert
            Assert.Equal("Ünïcode-v0", read.EnvironmentId);
            Assert.False(read.NormalizeObservations);
            Assert.Equal(original.Theta, read.Theta);
            Assert.Equal(new[] { "policy.bin" }, directory.GetFiles().Select(f => f.Name));
        }
        finally { directory.Delete(recursive: true); }
    }

    [Fact]
    public void A_linear_head_is_written_as_format_2_with_its_byte_and_a_tanh_head_as_format_1_as_before()
    {
        var tanh = Sample() with { ActionBins = 0 };
        var linear = tanh with { BoxHead = BoxHead.Linear };
        var (tanhBytes, linearBytes) = (tanh.ToBytes(), linear.ToBytes());
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(tanhBytes.AsSpan(10)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(linearBytes.AsSpan(10)));
        var headAt = 27 + 25; // right after the action bins
        Assert.Equal((byte)BoxHead.Linear, linearBytes[headAt]);
        // Apart from the version and the head byte, the two files are the same bytes.
        Assert.Equal(tanhBytes[14..headAt], linearBytes[14..headAt]);
        Assert.Equal(tanhBytes[headAt..^8], linearBytes[(headAt + 1)..^8]);
        Assert.Equal(BoxHead.Linear, PolicyFile.Parse(linearBytes).BoxHead);
        Assert.Equal(linear.Theta, PolicyFile.Parse(linearBytes).Theta);
        Assert.Equal(BoxHead.Tanh, PolicyFile.Parse(tanhBytes).BoxHead);

        var body = linearBytes[..^8];
        body[headAt] = 7; // no such head
        Assert.Contains("unknown action head 7", Assert.Throws<InvalidDataException>(() => PolicyFile.Parse(Reseal(body))).Message);
    }

    [Fact]
    public void Two_writes_of_the_same_policy_are_byte_identical()
    {
        // Arrange: two separately built but equal policies.
        var a = Sample();
        var b = Sample();

        // Act / Assert
        Assert.Equal(a.ToBytes(), b.ToBytes());
    }

    [Fact]
    public void The_bytes_follow_the_documented_little_endian_layout()
    {
        // Arrange
        var policy = Sample();

        // Act
        var bytes = policy.ToBytes();

        // Assert
        Assert.Equal("ESAPOLICY\0"u8.ToArray(), bytes[..10]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(10))); // a tanh head: format 1
        Assert.Equal(11, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(14)));
        Assert.Equal("Pendulum-v1", Encoding.UTF8.GetString(bytes, 16, 11));
        var p = 27;
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p)));      // inputs
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p + 4)));  // outputs
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p + 8)));  // hidden count
        Assert.Equal(4, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p + 12)));
        Assert.Equal(5, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p + 16)));
        Assert.Equal((byte)Activation.Relu, bytes[p + 20]);
        Assert.Equal(10, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p + 21))); // action bins
        Assert.Equal(53, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p + 25))); // parameter count
        Assert.Equal(policy.Theta[0], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(p + 29)));
        var afterTheta = p + 29 + 53 * 4;
        Assert.Equal(1, bytes[afterTheta]);
        Assert.Equal(afterTheta + 1 + 2 * 3 * 4 + 8, bytes.Length);
        Assert.Equal(XxHash64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8)));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'E', (byte)'S' })]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void Bytes_without_the_magic_are_refused_as_not_a_policy_file(byte[] bytes)
    {
        var error = Assert.Throws<InvalidDataException>(() => PolicyFile.Parse(bytes));
        Assert.Contains("not an EsActors policy file", error.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(15)]
    [InlineData(21)]
    public void A_file_cut_off_right_after_the_magic_is_reported_as_truncated(int length)
    {
        var bytes = Sample().ToBytes()[..length];
        var error = Assert.Throws<InvalidDataException>(() => PolicyFile.Parse(bytes));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void A_truncated_file_fails_its_checksum()
    {
        var bytes = Sample().ToBytes();
        var error = Assert.Throws<InvalidDataException>(() => PolicyFile.Parse(bytes[..^20]));
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void A_body_that_ends_early_but_carries_a_valid_checksum_is_reported_as_truncated()
    {
        // Arrange: drop the last 30 body bytes (part of the statistics) and reseal.
        var bytes = Sample().ToBytes();
        var resealed = Reseal(bytes.AsSpan(0, bytes.Length - 8 - 30));

        // Act / Assert
        var error = Assert.Throws<InvalidDataException>(() => PolicyFile.Parse(resealed));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Flipping_any_single_byte_after_the_magic_is_detected_by_the_checksum()
    {
        // Arrange
        var original = Sample().ToBytes();

        for (var position = 10; position < original.Length; position++)
        {
            var corrupted = (byte[])original.Clone();
            corrupted[position] ^= 0x04;

            // Act / Assert
            var error = Assert.Throws<InvalidDataException>(() => PolicyFile.Parse(corrupted));
            Assert.Contains("checksum mismatch", error.Message);
        }
    }

    [Fact]
    public void An_unknown_format_version_is_refused_by_name()
    {
        var bytes = Sample().ToBytes();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(10), 3);
        var error = Assert.Throws<InvalidDataException>(() => PolicyFile.Parse(Reseal(bytes.AsSpan(0, bytes.Length - 8))));
        Assert.Contains("version 3", error.Message);
    }

    [Fact]
    public void A_parameter_count_that_contradicts_the_shape_is_refused()
    {
        var bytes = Sample().ToBytes();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(27 + 25), 52);
        var error = Assert.Throws<InvalidDataException>(() => PolicyFile.Parse(Reseal(bytes.AsSpan(0, bytes.Length - 8))));
        Assert.Contains("52 parameters", error.Message);
        Assert.Contains("53", error.Message);
    }
}
