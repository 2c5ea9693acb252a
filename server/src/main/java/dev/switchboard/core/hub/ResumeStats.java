package dev.switchboard.core.hub;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What resume did on this node (docs/design/resume.md), for /metrics: members parked now, and since start how
 * many resumed, how many were released when their window ended, how many messages were kept for parked
 * members or dropped because a mailbox was full, and how the order across a move went (sent on, fences late).
 */
public final class ResumeStats {
    private final AtomicLong parked = new AtomicLong();
    private final AtomicLong resumed = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong kept = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sentOn = new AtomicLong();
    private final AtomicLong fencesTimedOut = new AtomicLong();

    /** A member was parked ({@code +1}) or stopped being parked here ({@code -1}). */
    public void parked(int delta) {
        parked.addAndGet(delta);
    }

    public void resumedOne() {
        resumed.incrementAndGet();
    }

    public void expiredOne() {
        expired.incrementAndGet();
    }

    /** A message for a parked member was kept ({@code true}) or dropped, its mailbox being full. */
    public void mailed(boolean keptIt) {
        (keptIt ? kept : dropped).incrementAndGet();
    }

    /** A message reached this node for a member that had resumed elsewhere from here, and was sent on there. */
    public void sentOnOne() {
        sentOn.incrementAndGet();
    }

    /** A fence (one sender's order across a move) was not answered in time; the sends behind it went. */
    public void fenceTimedOut() {
        fencesTimedOut.incrementAndGet();
    }

    public long sentOn() {
        return sentOn.get();
    }

    public long fencesTimedOut() {
        return fencesTimedOut.get();
    }

    /** Members of this node parked now. */
    public long parked() {
        return parked.get();
    }

    public long resumed() {
        return resumed.get();
    }

    public long expired() {
        return expired.get();
    }

    public long kept() {
        return kept.get();
    }

    public long dropped() {
        return dropped.get();
    }
}
