package dev.switchboard.jmh;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.hub.internal.Room;
import dev.switchboard.dialect.JsonStrings;
import java.util.UUID;
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
 * What a one-to-one relay does per message besides reading and writing it: find its target among the room's
 * local members ({@code Room.local}: named-peer and PeerJS keep every peer of a node in one room, Rendezvous
 * and Radix rooms are small), and quote an id as a JSON string ({@code JsonStrings.quote}, for the request id
 * a Radix relay writes twice). Run with {@code bench/jmh.sh RelayLookup}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RelayLookupBenchmark {
    @Param({"4", "400"})
    int members;

    private Room room;
    private String[] ids;
    private int next;
    private final String requestId = UUID.randomUUID().toString();

    @Setup
    public void setup() {
        room = new Room(new RoomKey("bench", "room"), true);
        ids = new String[members];
        for (int i = 0; i < members; i++) {
            String id = "p" + i;
            ids[i] = id;
            room.add(new Member(id), i + 1);
        }
    }

    /** A target found among the local members, a different one each call (all of them in turn). */
    @Benchmark
    public LocalMember localMember() {
        int i = next;
        next = i + 1 == ids.length ? 0 : i + 1;
        return room.local(ids[i]);
    }

    /** A UUID quoted as a JSON string (nothing in it needs escaping). */
    @Benchmark
    public String quoteId() {
        return JsonStrings.quote(requestId);
    }

    private record Member(String id) implements LocalMember {
        @Override
        public Endpoint endpoint() {
            throw new UnsupportedOperationException("not delivered to");
        }
    }
}
