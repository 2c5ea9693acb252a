package dev.switchboard.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.Outlet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The join in flight, both ways: events for the member wait behind its answer, its frames behind the join. */
class JoinGateTest {
    /** A connection that records what is written to it, in order. */
    static final class Recording implements Connection, Outlet {
        final List<String> written = new ArrayList<>();
        String closed;

        @Override
        public String id() {
            return "c1";
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1";
        }

        @Override
        public void send(byte[] utf8Text) {
            written.add(new String(utf8Text, StandardCharsets.UTF_8));
        }

        @Override
        public void close(int code, String reason) {
            closed = code + " " + reason;
        }

        @Override
        public boolean isOpen() {
            return closed == null;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void dialect(String name) {
        }

        @Override
        public Outlet outlet() {
            return this;
        }

        @Override
        public void deliver(Envelope envelope, List<? extends Endpoint> receivers) {
            send(envelope.payload());
        }
    }

    private static Envelope event(String text) {
        return Envelope.of(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] frame(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(ArrayDeque<byte[]> frames) {
        return frames.stream().map(f -> new String(f, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void eventsWaitForTheAnswerAndFramesComeBackInOrder() {
        Recording connection = new Recording();
        JoinGate gate = new JoinGate(connection, 8);
        gate.deliver(event("joined b"), List.of(gate));
        assertThat(gate.hold(frame("first"))).isTrue();
        assertThat(gate.hold(frame("second"))).isTrue();
        assertThat(connection.written).isEmpty();

        connection.send(frame("answer"));
        ArrayDeque<byte[]> held = gate.open();
        gate.deliver(event("joined c"), List.of(gate));

        assertThat(connection.written).containsExactly("answer", "joined b", "joined c");
        assertThat(texts(held)).containsExactly("first", "second");
    }

    @Test
    void aClientThatSendsMoreThanTheGateHoldsIsRefused() {
        JoinGate gate = new JoinGate(new Recording(), 2);
        assertThat(gate.hold(frame("1"))).isTrue();
        assertThat(gate.hold(frame("2"))).isTrue();
        assertThat(gate.hold(frame("3"))).isFalse();
        assertThat(texts(gate.open())).containsExactly("1", "2");
    }

    @Test
    void framesLeftFromAnEarlierJoinGoAheadOfTheNewOnes() {
        JoinGate next = new JoinGate(new Recording(), 8);
        next.hold(frame("arrived during the second join"));
        next.holdFirst(new ArrayDeque<>(List.of(frame("left from the first"), frame("also left"))));
        assertThat(texts(next.open())).containsExactly("left from the first", "also left", "arrived during the second join");
    }

    @Test
    void tooManyEventsBeforeTheAnswerCloseTheConnection() {
        Recording connection = new Recording();
        JoinGate gate = new JoinGate(connection, 0);
        for (int i = 0; i <= 1024; i++) {
            gate.deliver(event("e" + i), List.of(gate));
        }
        assertThat(connection.closed).isEqualTo("1008 Too many events before the join was answered");
    }
}
