package dev.switchboard.dialect.peerjs;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The messages this node's clients sent to ids that were not connected anywhere in the cluster, per
 * destination, as upstream's realm holds them: delivered when the id connects, or after the expire timeout
 * dropped with one EXPIRE to each sender. A queue's age counts from its first message (upstream never reads a
 * queue before it delivers or drops it). Each node holds what its own clients sent, so the cluster holds
 * every queue without a shared store, and the node that connects the id is told by the membership event.
 */
final class PeerJsQueues {
    /** One message waiting: who sent it and its frame as the destination will get it. */
    record Queued(String src, byte[] frame) {
    }

    /** A dropped queue: the destination as JSON and each distinct sender, in order of their first message. */
    record Expired(String destinationJson, Set<String> senders) {
    }

    private static final class Queue {
        final long createdMillis;
        final List<Queued> messages = new ArrayList<>(2);

        Queue(long createdMillis) {
            this.createdMillis = createdMillis;
        }
    }

    /** By the destination as JSON (a string id quoted, or whatever else the client sent as dst). */
    private final Map<String, Queue> byDestination = new ConcurrentHashMap<>();
    /** Destinations whose queue a thread is sending now (see {@link #startDelivering}). */
    private final Set<String> delivering = ConcurrentHashMap.newKeySet();
    private final int limit;

    /** @param limit messages held per destination; more are refused */
    PeerJsQueues(int limit) {
        this.limit = limit;
    }

    /** Holds a message for a destination; false when that destination's queue is full. */
    boolean add(String destinationJson, Queued message, long nowMillis) {
        boolean[] added = {false};
        byDestination.compute(destinationJson, (k, q) -> {
            Queue queue = q != null ? q : new Queue(nowMillis);
            if (queue.messages.size() < limit) {
                queue.messages.add(message);
                added[0] = true;
            }
            return queue.messages.isEmpty() ? null : queue;
        });
        return added[0];
    }

    /** Takes the whole queue of a destination that connected (empty when there is none). */
    List<Queued> take(String destinationJson) {
        Queue q = byDestination.remove(destinationJson);
        if (q == null) {
            return List.of();
        }
        return q.messages; // the map's per-key lock ordered every add before this removal
    }

    /**
     * Claims the sending of a destination's queue: false when another thread sends it now, which then also
     * sends what is added meanwhile. Two threads can each find the destination connected (its membership event,
     * and a sender whose message was queued just as the event came); each taking and sending part of the queue,
     * the later part could reach the destination first. With one sender at a time the queue goes out in order.
     */
    boolean startDelivering(String destinationJson) {
        return delivering.add(destinationJson);
    }

    /**
     * Ends a sending claimed with {@link #startDelivering} when nothing is queued for the destination; false
     * when something was added since the last {@link #take} (the claimant takes and sends it, then asks again).
     * Decided under the map's lock of the destination, so an add cannot fall between the check and the end.
     */
    boolean stopDeliveringIfEmpty(String destinationJson) {
        boolean[] stopped = {false};
        byDestination.compute(destinationJson, (k, q) -> {
            if (q == null) {
                delivering.remove(k);
                stopped[0] = true;
            }
            return q;
        });
        return stopped[0];
    }

    /** Ends a sending that failed part-way (what is left stays queued for the next claimant). */
    void abandonDelivering(String destinationJson) {
        delivering.remove(destinationJson);
    }

    /** Drops the queues at least {@code timeoutMillis} old and returns whom to tell. */
    List<Expired> expire(long nowMillis, long timeoutMillis) {
        List<Expired> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, Queue>> it = byDestination.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Queue> e = it.next();
            if (nowMillis - e.getValue().createdMillis < timeoutMillis || !byDestination.remove(e.getKey(), e.getValue())) {
                continue;
            }
            Set<String> senders = new LinkedHashSet<>();
            for (Queued m : e.getValue().messages) {
                senders.add(m.src());
            }
            out.add(new Expired(e.getKey(), senders));
        }
        return out;
    }

    /** Destinations with messages waiting. */
    int size() {
        return byDestination.size();
    }
}
