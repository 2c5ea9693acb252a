package dev.switchboard.core;

import java.util.Objects;

/**
 * One message on its way to members: the bytes each receiver gets, already encoded by the dialect that sent
 * it. The core never looks inside; it routes the same instance to every receiver, so a message is encoded
 * once however many members receive it.
 *
 * <p>The payload array must not be changed once the envelope exists.
 */
public final class Envelope {
    private final byte[] payload;
    private final long createdNanos;
    private final boolean notice;

    private Envelope(byte[] payload, long createdNanos, boolean notice) {
        this.payload = Objects.requireNonNull(payload, "payload");
        this.createdNanos = createdNanos;
        this.notice = notice;
    }

    /** An envelope created now; {@link #createdNanos()} then measures relay latency on this node. */
    public static Envelope of(byte[] payload) {
        return new Envelope(payload, System.nanoTime(), false);
    }

    /**
     * A membership notice (a member joined or left) for a room's other members. Every member is told of every
     * join, so N joins make N² notices: a receiver already far behind on its reads is dropped rather than sent
     * one (docs/design/limits.md#membership-notices), which bounds what receivers that do not read can cost.
     */
    public static Envelope notice(byte[] payload) {
        return new Envelope(payload, System.nanoTime(), true);
    }

    /** An envelope that arrived from another node; it carries no local creation time. */
    public static Envelope remote(byte[] payload) {
        return new Envelope(payload, 0L, false);
    }

    /** Whether this is a {@link #notice}. */
    public boolean isNotice() {
        return notice;
    }

    public byte[] payload() {
        return payload;
    }

    /** {@link System#nanoTime()} when it was created on this node, or 0 when it came from another node. */
    public long createdNanos() {
        return createdNanos;
    }

    public int size() {
        return payload.length;
    }
}
