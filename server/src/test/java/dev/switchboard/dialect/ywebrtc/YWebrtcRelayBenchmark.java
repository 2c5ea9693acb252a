package dev.switchboard.dialect.ywebrtc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.dialect.JsonLimits;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JSON relay rewrite of a y-webrtc publish: Switchboard's one-pass streaming read plus byte splice of
 * {@code clients}, against the obvious alternative of a Jackson tree round trip (which also changes number
 * text). Run with {@code bench/jmh.sh YWebrtcRelay}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class YWebrtcRelayBenchmark {
    @Param({"256", "1024", "16384"})
    int size;

    /**
     * signal: data is a WebRTC offer (read for negotiation telemetry, docs/design/telemetry.md); opaque: data is
     * a string, as with a room password or the load generator's payload (nothing negotiated, nothing read).
     */
    @Param({"signal", "opaque"})
    String data;

    private byte[] frame;
    private YWebrtcReader reader;
    private final ObjectMapper mapper = new ObjectMapper();

    @Setup
    public void setup() {
        boolean signal = data.equals("signal");
        String head = signal
                ? "{\"type\":\"publish\",\"topic\":\"room-4f1c\",\"data\":{\"to\":\"b3c1\",\"from\":\"8a0f\","
                        + "\"type\":\"signal\",\"token\":1714300000000.6282,\"signal\":{\"type\":\"offer\",\"sdp\":\""
                : "{\"type\":\"publish\",\"topic\":\"room-4f1c\",\"data\":\"";
        String tail = signal ? "\"}}}" : "\"}";
        frame = (head + "v".repeat(Math.max(0, size - head.length() - tail.length())) + tail)
                .getBytes(StandardCharsets.UTF_8);
        reader = new YWebrtcReader(JsonLimits.factory(32, 64 * 1024));
    }

    @Benchmark
    public byte[] streamingSplice() {
        YWebrtcMessage.Publish p = (YWebrtcMessage.Publish) reader.read(frame);
        return YWebrtcWriter.publish(p, 4);
    }

    @Benchmark
    public byte[] jacksonTreeRoundTrip() throws Exception {
        ObjectNode node = (ObjectNode) mapper.readTree(frame);
        node.put("clients", 4);
        return mapper.writeValueAsBytes(node);
    }
}
