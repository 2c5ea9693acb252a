package dev.switchboard.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.util.concurrent.ThreadLocalRandom;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inbound frame decoding as the server's pipeline does it: a masked client text frame through Netty's
 * WebSocket decoder (header parsing and unmasking; like the server, no UTF-8 validation of text frames) and
 * the message aggregator, with the 64 KiB limit on.
 * Run with {@code bench/jmh.sh FrameDecode}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameDecodeBenchmark {
    @Param({"256", "1024", "16384"})
    int size;

    private EmbeddedChannel channel;
    private ByteBuf wire;

    @Setup
    public void setup() {
        channel = new EmbeddedChannel(new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(64 * 1024).build()), new WebSocketFrameAggregator(64 * 1024));
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        wire = ByteBufAllocator.DEFAULT.directBuffer(size + 14);
        wire.writeByte(0x81);
        if (size < 126) {
            wire.writeByte(0x80 | size);
        } else {
            wire.writeByte(0x80 | 126).writeShort(size);
        }
        wire.writeBytes(mask);
        for (int i = 0; i < size; i++) {
            wire.writeByte(('a' + i % 26) ^ mask[i % 4]);
        }
    }

    @TearDown
    public void tearDown() {
        wire.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public int decode() {
        channel.writeInbound(wire.retainedDuplicate());
        WebSocketFrame frame = channel.readInbound();
        int n = frame.content().readableBytes();
        frame.release();
        return n;
    }
}
