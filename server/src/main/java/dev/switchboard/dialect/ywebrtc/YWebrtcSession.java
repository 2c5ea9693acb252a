package dev.switchboard.dialect.ywebrtc;

import dev.switchboard.auth.Grants;
import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.RoomKey;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.DialectSession;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One y-webrtc connection: the topics it subscribes to (it is a hub member of each, under its connection
 * id) and the handling of its frames, in order. Per-connection state is kept small: the topic set is
 * allocated on the first subscribe.
 */
final class YWebrtcSession implements DialectSession, LocalMember {
    /** Frames held while a publish waits for a cluster-wide count; beyond this the client is flooding. */
    private static final int MAX_BACKLOG = 256;

    private final Connection connection;
    private final Hub hub;
    private final YWebrtcReader reader;
    private final TopicBudget budget;
    /** Characters of the topics held, against the budget's per-connection limit. */
    private int topicChars;
    /** The topics held: the common single topic in a field, a set only from the second one on. */
    private String topic;
    private Set<String> topics;
    /** Non-null while a publish waits on the cluster: later frames queue behind it to keep their order. */
    private ArrayDeque<byte[]> backlog;
    private boolean closed;
    /** The topics the connection's token grants (docs/design/auth.md#grants); all without one. */
    private final Grants grants;

    YWebrtcSession(Connection connection, Hub hub, YWebrtcReader reader, TopicBudget budget, Grants grants) {
        this.connection = connection;
        this.grants = grants;
        this.hub = hub;
        this.reader = reader;
        this.budget = budget;
    }

    @Override
    public String id() {
        return connection.id();
    }

    @Override
    public Endpoint endpoint() {
        return connection;
    }

    @Override
    public void onMessage(byte[] data, boolean binary) {
        if (closed) {
            return;
        }
        if (backlog != null) {
            if (backlog.size() >= MAX_BACKLOG) {
                connection.close(1008, "too many messages in flight");
                return;
            }
            backlog.add(data);
            return;
        }
        handle(data);
    }

    private void handle(byte[] data) {
        YWebrtcMessage message = reader.read(data);
        if (message instanceof YWebrtcMessage.Publish publish) {
            publish(publish);
        } else if (message instanceof YWebrtcMessage.Subscribe subscribe) {
            for (String topic : subscribe.topics()) {
                subscribe(topic);
            }
        } else if (message instanceof YWebrtcMessage.Unsubscribe unsubscribe) {
            for (String name : unsubscribe.topics()) {
                if (removeTopic(name)) {
                    released(name);
                    hub.leave(key(name), this);
                }
            }
        } else if (message instanceof YWebrtcMessage.Ping) {
            connection.send(YWebrtcWriter.PONG);
        }
    }

    private void subscribe(String name) {
        if (!grants.room(name)) {
            connection.refused("not_granted"); // y-webrtc has no error message: the topic is simply not joined
            return;
        }
        int length = name.length();
        if (length > budget.maxTopicLength) {
            return;
        }
        if (topicChars + length > budget.maxTopicChars) {
            connection.refused("topic_budget"); // like a topic past --max-topics: skipped
            return;
        }
        if (!budget.reserve(length)) {
            connection.refused("node_topic_budget");
            return;
        }
        // interned: a room's members then share one copy of its name instead of holding one each
        if (!addTopic(name.intern())) {
            budget.release(length);
            return;
        }
        topicChars += length;
        hub.join(key(name), this, JoinPolicy.SHARED);
    }

    private void released(String name) {
        topicChars -= name.length();
        budget.release(name.length());
    }

    private int topicCount() {
        return topics != null ? topics.size() : topic != null ? 1 : 0;
    }

    private boolean addTopic(String name) {
        if (topicCount() >= budget.maxTopics) {
            return false;
        }
        if (topics != null) {
            return topics.add(name);
        }
        if (topic == null) {
            topic = name;
            return true;
        }
        if (topic.equals(name)) {
            return false;
        }
        topics = new HashSet<>(4);
        topics.add(topic);
        topic = null;
        return topics.add(name);
    }

    private boolean removeTopic(String name) {
        if (topics != null) {
            return topics.remove(name);
        }
        if (name.equals(topic)) {
            topic = null;
            return true;
        }
        return false;
    }

    private void publish(YWebrtcMessage.Publish publish) {
        if (!grants.room(publish.topic())) {
            connection.refused("not_granted");
            return;
        }
        RoomKey key = key(publish.topic());
        int known = hub.knownCount(key);
        if (known >= 0) {
            relay(key, publish, known);
            return;
        }
        // Nobody on this node subscribes: only the cluster knows whether the topic exists.
        CompletableFuture<Integer> count = hub.count(key).toCompletableFuture();
        if (count.isDone() && !count.isCompletedExceptionally()) {
            relay(key, publish, count.join());
            return;
        }
        backlog = new ArrayDeque<>();
        count.whenComplete((n, error) -> connection.execute(() -> {
            if (error == null && !closed) {
                relay(key, publish, n);
            }
            drainBacklog();
        }));
    }

    private void relay(RoomKey key, YWebrtcMessage.Publish publish, int clients) {
        if (clients <= 0) {
            return; // upstream: a topic nobody subscribes to does not exist, and the publish is dropped
        }
        YWebrtcMessage.Signal signal = publish.signal();
        if (signal != null) {
            connection.signaled(publish.topic(), signal.from(), signal.to(), signal.kind());
        }
        hub.broadcast(key, Envelope.of(YWebrtcWriter.publish(publish, clients)), null);
    }

    private void drainBacklog() {
        ArrayDeque<byte[]> queued = backlog;
        backlog = null;
        while (queued != null && !queued.isEmpty() && !closed) {
            handle(queued.poll());
            if (backlog != null) {
                backlog.addAll(queued); // another publish is waiting; the rest queue behind it again
                return;
            }
        }
    }

    @Override
    public void onClose() {
        closed = true;
        backlog = null;
        if (topics != null) {
            for (String name : topics) {
                released(name);
                hub.leave(key(name), this);
            }
            topics = null;
        } else if (topic != null) {
            released(topic);
            hub.leave(key(topic), this);
            topic = null;
        }
    }

    private static RoomKey key(String topic) {
        return new RoomKey(YWebrtcDialect.NAMESPACE, topic);
    }
}
