package dev.switchboard.dialect.ywebrtc;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What y-webrtc topics may cost (docs/design/limits.md#per-dialect-limits): per connection, their number, the
 * length of each and of all together; per node, the bytes of every connection's topics together, each
 * subscription charged its name and a fixed overhead for its place in the hub, so that the budget bounds the
 * number of subscriptions too. One per dialect; thread-safe.
 */
final class TopicBudget {
    /** What a subscription costs the node beyond its name (its entries in the hub's room and member maps). */
    static final int OVERHEAD_BYTES = 128;

    final int maxTopics;
    final int maxTopicLength;
    final int maxTopicChars;
    private final long maxNodeBytes;
    private final AtomicLong nodeBytes = new AtomicLong();

    TopicBudget(int maxTopics, int maxTopicLength, int maxTopicChars, long maxNodeBytes) {
        this.maxTopics = maxTopics;
        this.maxTopicLength = maxTopicLength;
        this.maxTopicChars = maxTopicChars;
        this.maxNodeBytes = maxNodeBytes;
    }

    /** Takes a subscription to a topic of {@code length} characters from the node's budget; false if it is spent. */
    boolean reserve(int length) {
        long cost = length + OVERHEAD_BYTES;
        if (nodeBytes.addAndGet(cost) > maxNodeBytes) {
            nodeBytes.addAndGet(-cost);
            return false;
        }
        return true;
    }

    void release(int length) {
        nodeBytes.addAndGet(-(length + OVERHEAD_BYTES));
    }

    long nodeBytes() {
        return nodeBytes.get();
    }
}
