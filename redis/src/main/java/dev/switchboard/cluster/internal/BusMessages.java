package dev.switchboard.cluster.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The wire format of the Redis bus: keys, channel names, stored member values and pub/sub messages. Headers
 * are newline-separated text (so the Lua scripts can build join and leave notices), the payload of a relayed
 * message follows as raw bytes. Member ids and node ids never contain a newline or '|'.
 *
 * <pre>
 * J\n origin \n memberId \n value                      a member joined (room channel; value starts with its seq)
 * L\n origin \n reason \n seq \n memberId \n value     a member left at position seq (room channel)
 * M\n origin \n exceptId \n payload                    a room broadcast (room channel)
 * D\n origin \n targetId \n roomLen \n room payload    to one member   (the target's direct channel)
 * E\n origin \n memberId \n room                       a takeover evicted this node's member (node channel)
 * P\n origin \n nanoTime                             a latency probe a node sends itself (node channel)
 * </pre>
 */
public final class BusMessages {
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final TypeReference<Map<String, String>> META = new TypeReference<>() {
    };

    private final String prefix;

    public BusMessages(String prefix) {
        this.prefix = prefix;
    }

    // ---- keys and channels; a room's keys and channel share a hash tag, so one slot holds them ----

    public static String room(RoomKey key) {
        return key.namespace() + ':' + key.name();
    }

    /** @throws IllegalArgumentException when {@code encoded} is not {@code namespace:name} */
    public static RoomKey room(String encoded) {
        int colon = encoded.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("not a room: " + encoded);
        }
        return new RoomKey(encoded.substring(0, colon), encoded.substring(colon + 1));
    }

    public byte[] membersKey(RoomKey key) {
        return bytes(prefix + ":m:{" + tag(key) + "}");
    }

    public byte[] sequenceKey(RoomKey key) {
        return bytes(prefix + ":q:{" + tag(key) + "}");
    }

    /** A parked member's mailbox: under the room's hash tag, so one script can use it with the room's keys. */
    public byte[] mailboxKey(RoomKey key, String memberId) {
        return bytes(prefix + ":x:{" + tag(key) + "}:" + memberId);
    }

    public byte[] roomChannel(RoomKey key) {
        return bytes(prefix + ":c:{" + tag(key) + "}");
    }

    /**
     * The channel that reaches one node's members of a room with direct messages: over one Redis its node
     * channel; over a Redis Cluster a channel of its own per room and node, under the room's hash tag, so it is
     * on the room channel's shard (ordered with the room's broadcasts and joins) and, unlike the room channel,
     * heard by that node alone: a publish to it says whether the node still listens (a killed node's
     * subscriptions end with its connections), which is what lets a sender keep a message for a member whose
     * node died (docs/design/resume.md).
     */
    public byte[] directChannel(RoomKey key, String nodeId, boolean sharded) {
        return sharded ? bytes(prefix + ":c:{" + tag(key) + "}:" + nodeId) : nodeChannel(nodeId);
    }

    /** The room a room channel belongs to, or null if the channel is not one. */
    public RoomKey roomOfChannel(byte[] channel) {
        String c = new String(channel, StandardCharsets.UTF_8);
        String head = prefix + ":c:{";
        if (!c.startsWith(head) || !c.endsWith("}")) {
            return null;
        }
        return room(untag(c.substring(head.length(), c.length() - 1)));
    }

    /**
     * A room as it stands between a key's braces: its name with {@code %}, <code>{</code> and <code>}</code>
     * percent-encoded, so that the hash tag is always the whole room. Unescaped, a client could end the tag
     * early (a room named <code>x}1</code>, <code>x}2</code>, ...) and pile any number of rooms onto one
     * Redis Cluster slot.
     */
    static String tag(RoomKey key) {
        String room = room(key);
        if (room.indexOf('%') < 0 && room.indexOf('{') < 0 && room.indexOf('}') < 0) {
            return room;
        }
        StringBuilder out = new StringBuilder(room.length() + 8);
        for (int i = 0; i < room.length(); i++) {
            char c = room.charAt(i);
            switch (c) {
                case '%' -> out.append("%25");
                case '{' -> out.append("%7B");
                case '}' -> out.append("%7D");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String untag(String tagged) {
        if (tagged.indexOf('%') < 0) {
            return tagged;
        }
        return tagged.replace("%7B", "{").replace("%7D", "}").replace("%25", "%");
    }

    public byte[] nodesKey() {
        return bytes(prefix + ":{nodes}");
    }

    /** Dead nodes whose members a survivor is removing; shares the nodes key's hash tag (one script uses both). */
    public byte[] reapingKey() {
        return bytes(prefix + ":{nodes}:reaping");
    }

    /** Each live node's summary for the dashboard (nodeId → JSON); shares the nodes key's hash tag. */
    public byte[] summariesKey() {
        return bytes(prefix + ":{nodes}:summary");
    }

    public byte[] nodeIndexKey(String nodeId) {
        return bytes(prefix + ":n:" + nodeId);
    }

    public byte[] nodeChannel(String nodeId) {
        return bytes(prefix + ":d:" + nodeId);
    }

    /** An entry of a node's index of the memberships it holds. */
    public static byte[] indexEntry(RoomKey key, String memberId) {
        return bytes(memberId + '\n' + room(key));
    }

    public static String[] parseIndexEntry(byte[] entry) {
        String s = new String(entry, StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        return new String[] {s.substring(0, nl), s.substring(nl + 1)};
    }

    // ---- stored member values ----

    /** The value a claim stores after the sequence number: {@code nodeId|metadata}. */
    public static String nodeAndMeta(MemberInfo member) {
        try {
            return member.nodeId() + '|' + JSON.writeValueAsString(new TreeMap<>(member.metadata()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses {@code seq|nodeId|metadata} for member {@code id}.
     *
     * @throws IllegalArgumentException when the value has another shape
     */
    public static MemberInfo member(String id, String value) {
        int a = value.indexOf('|');
        int b = a < 0 ? -1 : value.indexOf('|', a + 1);
        if (b < 0) {
            throw new IllegalArgumentException("bad member value: " + value);
        }
        try {
            Map<String, String> meta = JSON.readValue(value.substring(b + 1), META);
            return new MemberInfo(id, value.substring(a + 1, b), meta);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad member value: " + value, e);
        }
    }

    /** @throws IllegalArgumentException when the value does not start with a sequence number and '|' */
    public static long sequence(String value) {
        int bar = value.indexOf('|');
        if (bar < 0) {
            throw new IllegalArgumentException("bad member value: " + value);
        }
        return Long.parseLong(value.substring(0, bar));
    }

    // ---- messages ----

    public static byte[] broadcast(String origin, String exceptId, byte[] payload) {
        return withPayload("M\n" + origin + '\n' + (exceptId == null ? "" : exceptId) + '\n', payload);
    }

    public static byte[] direct(String origin, RoomKey key, String targetId, byte[] payload) {
        byte[] room = bytes(room(key));
        byte[] head = bytes("D\n" + origin + '\n' + targetId + '\n' + room.length + '\n');
        byte[] out = new byte[head.length + room.length + payload.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(room, 0, out, head.length, room.length);
        System.arraycopy(payload, 0, out, head.length + room.length, payload.length);
        return out;
    }

    /** A fence of node {@code requester} for the member {@code memberId} (Bus#fence), sent by {@code origin}. */
    public static byte[] fence(String origin, RoomKey key, String memberId, String requester, long fenceId) {
        return bytes("F\n" + origin + '\n' + memberId + '\n' + requester + '\n' + fenceId + '\n' + room(key));
    }

    /** The answer to a fence: it reached the member's node. */
    public static byte[] fencePassed(String origin, RoomKey key, long fenceId) {
        return bytes("A\n" + origin + '\n' + fenceId + '\n' + room(key));
    }

    public static byte[] evict(String origin, RoomKey key, String memberId) {
        return bytes("E\n" + origin + '\n' + memberId + '\n' + room(key));
    }

    public static byte[] probe(String origin, long nanoTime) {
        return bytes("P\n" + origin + '\n' + nanoTime + '\n');
    }

    /** A decoded bus message; fields unused by a kind are null (or 0). */
    public record Message(char kind, String origin, String memberId, String exceptId, LeaveReason reason,
                          long seq, String value, RoomKey room, byte[] payload) {
    }

    /**
     * Decodes a message of a subscribed channel.
     *
     * @throws IllegalArgumentException when the bytes are not one (which the dispatcher logs and skips)
     */
    public static Message parse(byte[] m) {
        if (m.length < 2 || m[1] != '\n') {
            throw new IllegalArgumentException("malformed bus message: no kind");
        }
        char kind = (char) m[0];
        int[] pos = {2};
        String origin = field(m, pos);
        switch (kind) {
            case 'J': {
                String id = field(m, pos);
                String value = rest(m, pos[0]);
                return new Message(kind, origin, id, null, null, sequence(value), value, null, null);
            }
            case 'L': {
                LeaveReason reason = LeaveReason.valueOf(field(m, pos));
                long seq = Long.parseLong(field(m, pos));
                String id = field(m, pos);
                return new Message(kind, origin, id, null, reason, seq, rest(m, pos[0]), null, null);
            }
            case 'M': {
                String except = field(m, pos);
                return new Message(kind, origin, null, except.isEmpty() ? null : except, null, 0, null, null,
                        Arrays.copyOfRange(m, pos[0], m.length));
            }
            case 'D': {
                String target = field(m, pos);
                int len = Integer.parseInt(field(m, pos));
                if (len < 0 || len > m.length - pos[0]) {
                    throw new IllegalArgumentException("malformed bus message: room length " + len);
                }
                RoomKey room = room(new String(m, pos[0], len, StandardCharsets.UTF_8));
                return new Message(kind, origin, target, null, null, 0, null, room,
                        Arrays.copyOfRange(m, pos[0] + len, m.length));
            }
            case 'P': {
                return new Message(kind, origin, field(m, pos), null, null, 0, null, null, null);
            }
            case 'F': {
                String id = field(m, pos);
                String requester = field(m, pos);
                long fenceId = Long.parseLong(field(m, pos));
                return new Message(kind, origin, id, null, null, fenceId, requester, room(rest(m, pos[0])), null);
            }
            case 'A': {
                long fenceId = Long.parseLong(field(m, pos));
                return new Message(kind, origin, null, null, null, fenceId, null, room(rest(m, pos[0])), null);
            }
            case 'E': {
                String id = field(m, pos);
                return new Message(kind, origin, id, null, null, 0, null, room(rest(m, pos[0])), null);
            }
            default:
                throw new IllegalArgumentException("unknown bus message kind: " + kind);
        }
    }

    private static String field(byte[] m, int[] pos) {
        int start = pos[0];
        int i = start;
        while (i < m.length && m[i] != '\n') {
            i++;
        }
        if (i == m.length) {
            throw new IllegalArgumentException("malformed bus message: a field without its newline");
        }
        pos[0] = i + 1;
        return new String(m, start, i - start, StandardCharsets.UTF_8);
    }

    private static String rest(byte[] m, int from) {
        return new String(m, from, m.length - from, StandardCharsets.UTF_8);
    }

    private static byte[] withPayload(String head, byte[] payload) {
        byte[] h = bytes(head);
        byte[] out = new byte[h.length + payload.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(payload, 0, out, h.length, payload.length);
        return out;
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
