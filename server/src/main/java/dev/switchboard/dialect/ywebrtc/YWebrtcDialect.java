package dev.switchboard.dialect.ywebrtc;

import com.fasterxml.jackson.core.JsonFactory;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.dialect.JsonLimits;

/**
 * The y-webrtc signaling dialect (docs/protocols/y-webrtc.md): topics of subscribers, publish to a topic with
 * {@code clients} set to the cluster-wide subscriber count, echo to the sender, JSON ping/pong. Bad input is
 * ignored frame by frame, as no client depends on anything else.
 */
public final class YWebrtcDialect implements Dialect {
    /** Namespace of y-webrtc topics in the hub. */
    public static final String NAMESPACE = "y-webrtc";

    private final Hub hub;
    private final YWebrtcReader reader;
    private final int maxMessageBytes;
    private final TopicBudget topics;

    /**
     * @param maxMessageBytes  largest frame accepted
     * @param maxJsonDepth     deepest JSON nesting accepted
     * @param maxTopics        topics one connection may hold; more subscriptions are ignored
     * @param maxTopicLength   longest topic name; longer names are ignored
     * @param maxTopicChars    characters of all one connection's topics together; past them topics are ignored
     * @param maxNodeTopicBytes bytes of all connections' topics together (each with a fixed overhead); past them
     *                         topics are ignored
     */
    public YWebrtcDialect(Hub hub, int maxMessageBytes, int maxJsonDepth, int maxTopics, int maxTopicLength,
                          int maxTopicChars, long maxNodeTopicBytes) {
        this.hub = hub;
        this.maxMessageBytes = maxMessageBytes;
        this.topics = new TopicBudget(maxTopics, maxTopicLength, maxTopicChars, maxNodeTopicBytes);
        JsonFactory json = JsonLimits.factory(maxJsonDepth, maxMessageBytes);
        this.reader = new YWebrtcReader(json);
    }

    /** Bytes the node's y-webrtc subscriptions take from their budget now (names and overhead). */
    public long topicBytes() {
        return topics.nodeBytes();
    }

    @Override
    public String name() {
        return NAMESPACE;
    }

    @Override
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    @Override
    public DialectSession open(Connection connection, Handshake handshake) {
        connection.dialect(NAMESPACE);
        return new YWebrtcSession(connection, hub, reader, topics, handshake.grants());
    }

    /** The bytes {@code "signal"}: a publish without them carries no y-webrtc signal, and is not parsed again. */
    private static final byte[] SIGNAL = "\"signal\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * Watches publishes from other nodes for the negotiation telemetry: the same reading of {@code data} as a
     * local publish gets (docs/design/telemetry.md). Only a publish whose bytes hold {@code "signal"} is parsed.
     */
    public static dev.switchboard.core.ArrivalWatcher arrivals(dev.switchboard.metrics.Negotiations negotiations,
                                                               int maxJsonDepth, int maxMessageBytes) {
        YWebrtcReader reader = new YWebrtcReader(JsonLimits.factory(maxJsonDepth, maxMessageBytes));
        return (room, targetId, envelope) -> {
            byte[] payload = envelope.payload();
            if (indexOf(payload, SIGNAL) < 0) {
                return;
            }
            if (reader.read(payload) instanceof YWebrtcMessage.Publish publish && publish.signal() != null) {
                YWebrtcMessage.Signal signal = publish.signal();
                negotiations.arrived(publish.topic(), signal.from(), signal.to(), signal.kind());
            }
        };
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
