package dev.switchboard.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.core.MemberInfo;
import java.nio.charset.StandardCharsets;

/**
 * The cluster bus's wire format ({@link BusMessages}): whatever arrives on a subscribed channel is either a
 * message or refused with {@link IllegalArgumentException} (which the dispatcher logs and skips), never another
 * failure; the same for stored member values. And a message, built again from what was parsed, parses to the
 * same thing, payload bytes included — the encoders and the parser agree.
 */
class BusMessagesFuzzTest {

    @FuzzTest
    void parsesOrRefusesAndRoundTrips(byte[] received) {
        String text = new String(received, StandardCharsets.UTF_8);
        try {
            MemberInfo member = BusMessages.member("m", text);
            String stored = BusMessages.sequence(text) + "|" + BusMessages.nodeAndMeta(member);
            if (!member.nodeId().contains("|")) {
                assertEquals(member, BusMessages.member("m", stored));
            }
        } catch (IllegalArgumentException refused) {
            // the documented refusal
        }
        BusMessages.Message m;
        try {
            m = BusMessages.parse(received);
        } catch (IllegalArgumentException refused) {
            return;
        }
        byte[] again = switch (m.kind()) {
            case 'M' -> BusMessages.broadcast(m.origin(), m.exceptId(), m.payload());
            case 'D' -> BusMessages.direct(m.origin(), m.room(), m.memberId(), m.payload());
            case 'E' -> BusMessages.evict(m.origin(), m.room(), m.memberId());
            case 'F' -> m.value().contains("\n") ? null
                    : BusMessages.fence(m.origin(), m.room(), m.memberId(), m.value(), m.seq());
            case 'A' -> BusMessages.fencePassed(m.origin(), m.room(), m.seq());
            default -> null; // J and L are built by the Lua scripts, P's number is checked by its reader
        };
        if (again != null && !m.origin().contains("\n") && (m.memberId() == null || !m.memberId().contains("\n"))) {
            assertEquals(show(m), show(BusMessages.parse(again)));
        }
    }

    private static String show(BusMessages.Message m) {
        return m.kind() + "|" + m.origin() + "|" + m.memberId() + "|" + m.exceptId() + "|" + m.room() + "|"
                + (m.kind() == 'F' || m.kind() == 'A' ? m.seq() + "|" + m.value() + "|" : "")
                + (m.payload() == null ? null : new String(m.payload(), StandardCharsets.ISO_8859_1));
    }
}
