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
 * a Radix relay writes twice). Each against what it replaced: the scan of the room's array, the escaping loop. Run with {@code bench/jmh.sh RelayLookup}.
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

    /**
     * plain: a UUID, nothing to escape (the fast path); escaped: the same with a quote as its last character,
     * which takes the escaping loop every id took before the fast path, after a full pre-scan.
     */
    @Param({"plain", "escaped"})
    String id;

    private Room room;
    private LocalMember[] locals;
    private String[] ids;
    private int next;
    private String requestId;

    @Setup
    public void setup() {
        room = new Room(new RoomKey("bench", "room"), true);
        ids = new String[members];
        for (int i = 0; i < members; i++) {
            String id = "p" + i;
            ids[i] = id;
            room.add(new Member(id), i + 1);
        }
        locals = room.members().toArray(new LocalMember[0]);
        requestId = UUID.randomUUID() + (this.id.equals("escaped") ? "\"" : "");
    }

    /** A target found among the local members, a different one each call (all of them in turn). */
    @Benchmark
    public LocalMember localMember() {
        int i = next;
        next = i + 1 == ids.length ? 0 : i + 1;
        return room.local(ids[i]);
    }

    /** The same lookup as the room made it before its index: a scan of the members' array. */
    @Benchmark
    public LocalMember localMemberScan() {
        int i = next;
        next = i + 1 == ids.length ? 0 : i + 1;
        String wanted = ids[i];
        for (LocalMember m : locals) {
            if (m.id().equals(wanted)) {
                return m;
            }
        }
        return null;
    }

    /** A request id quoted as a JSON string. */
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
