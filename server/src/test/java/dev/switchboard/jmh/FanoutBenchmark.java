package dev.switchboard.jmh;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.Outlet;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.InMemoryBus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Fan-out of one 1 KiB message to a room: the hub's routing cost, and the frame work per receiver — one
 * encoding shared by retained duplicates (what Switchboard does) against Netty's frame encoder run once per
 * receiver. Run with {@code bench/jmh.sh Fanout}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FanoutBenchmark {
    @Param({"4", "100"})
    int receivers;

    private Hub hub;
    private final RoomKey room = new RoomKey("bench", "room");
    private final byte[] payload = new byte[1024];
    private EmbeddedChannel encoderChannel;
    private EmbeddedChannel rawChannel;
    private Blackhole sink;
    private String[] ids;

    /** An outlet that only counts, so the hub's own cost is what is measured. */
    private static final class CountingOutlet implements Outlet {
        long delivered;

        @Override
        public void deliver(Envelope envelope, List<? extends Endpoint> to) {
            delivered += to.size();
        }
    }

    @Setup
    public void setup(Blackhole blackhole) {
        sink = blackhole;
        hub = new Hub(new InMemoryBus("bench"));
        CountingOutlet outlet = new CountingOutlet();
        ids = new String[receivers];
        for (int i = 0; i < receivers; i++) {
            String id = "m" + i;
            ids[i] = id;
            Endpoint endpoint = () -> outlet;
            hub.join(room, new LocalMember() {
                @Override
                public String id() {
                    return id;
                }

                @Override
                public Endpoint endpoint() {
                    return endpoint;
                }
            }, JoinPolicy.SHARED);
        }
        encoderChannel = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
        rawChannel = new EmbeddedChannel();
    }

    @TearDown
    public void tearDown() {
        encoderChannel.finishAndReleaseAll();
        rawChannel.finishAndReleaseAll();
    }

    @Benchmark
    public void hubBroadcast() {
        hub.broadcast(room, Envelope.of(payload), null);
    }

    private int nextTarget;

    /** A message to one member of the room (named-peer's and PeerJS's relay): the hub's direct-send path. */
    @Benchmark
    public Object hubSend() {
        int i = nextTarget;
        nextTarget = i + 1 == receivers ? 0 : i + 1;
        return hub.send(room, ids[i], Envelope.of(payload));
    }

    @Benchmark
    public void encodeOnceShareDuplicates() {
        ByteBuf frame = ByteBufAllocator.DEFAULT.directBuffer(payload.length + 4);
        frame.writeByte(0x81).writeByte(126).writeShort(payload.length).writeBytes(payload);
        for (int i = 0; i < receivers; i++) {
            // through a channel like the per-receiver variant, so both pay the same pipeline costs
            rawChannel.writeOutbound(frame.retainedDuplicate());
            ByteBuf out;
            while ((out = rawChannel.readOutbound()) != null) {
                sink.consume(out);
                out.release();
            }
        }
        frame.release();
    }

    @Benchmark
    public void encodePerReceiver() {
        for (int i = 0; i < receivers; i++) {
            encoderChannel.writeOutbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(payload)));
            ByteBuf out;
            while ((out = encoderChannel.readOutbound()) != null) {
                sink.consume(out);
                out.release();
            }
        }
    }
}
