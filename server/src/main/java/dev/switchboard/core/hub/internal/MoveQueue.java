package dev.switchboard.core.hub.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One room's part in keeping a sender's order across a member's move to another node (docs/design/resume.md,
 * "Order across a move"): this node's sends that took a detour (to a mailbox, or on to where a member went),
 * which a fence waits for; and, per member that moved, the sends waiting behind a fence, in order. A room makes
 * one the first time it needs it ({@link Room}).
 */
final class MoveQueue {
    /** Sends on a detour now. */
    private int detours;
    /** Completed when {@link #detours} next falls to zero; null while nobody waits. */
    private CompletableFuture<Void> detoursEnded;
    /** Per member that moved: the tail of its sends waiting behind a fence. Null while there is none. */
    private volatile Map<String, CompletableFuture<Boolean>> fenced;

    /**
     * A send of this node took a detour: its target's node was gone (to the mailbox, or on to where the member
     * resumed), or the member had left this node (on to where it went). Ended by {@link #detourEnded} once the
     * detour's last step has completed.
     */
    synchronized void detourStarted() {
        detours++;
    }

    void detourEnded() {
        CompletableFuture<Void> ended = null;
        synchronized (this) {
            if (--detours == 0 && detoursEnded != null) {
                ended = detoursEnded;
                detoursEnded = null;
            }
        }
        if (ended != null) {
            ended.complete(null);
        }
    }

    /** Completes once no send of this node is on a detour (those started later included). */
    synchronized CompletionStage<Void> detoursEnded() {
        if (detours == 0) {
            return CompletableFuture.completedFuture(null);
        }
        if (detoursEnded == null) {
            detoursEnded = new CompletableFuture<>();
        }
        return detoursEnded;
    }

    /** Whether direct sends to {@code id} wait behind a fence. */
    boolean fenced(String id) {
        Map<String, CompletableFuture<Boolean>> f = fenced;
        return f != null && f.containsKey(id);
    }

    /** Direct sends to {@code id} from now on wait until {@code until} completes (and behind each other). */
    void fence(String id, CompletionStage<?> until) {
        after(id, () -> until.handle((v, e) -> true));
    }

    /**
     * Issues {@code send} once the fence for {@code id} and the sends queued behind it have been issued. The
     * returned stage completes with the send's own answer.
     */
    CompletionStage<Boolean> afterFence(String id, Supplier<CompletionStage<Boolean>> send) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        after(id, () -> {
            send.get().whenComplete((ok, error) -> {
                if (error != null) {
                    answer.completeExceptionally(error);
                } else {
                    answer.complete(ok);
                }
            });
            return CompletableFuture.completedFuture(true); // issued: the next may go
        });
        return answer;
    }

    private void after(String id, Supplier<CompletionStage<Boolean>> step) {
        CompletableFuture<Boolean> before;
        CompletableFuture<Boolean> next = new CompletableFuture<>();
        synchronized (this) {
            Map<String, CompletableFuture<Boolean>> f = fenced == null ? new HashMap<>(2) : new HashMap<>(fenced);
            before = f.getOrDefault(id, CompletableFuture.completedFuture(true));
            f.put(id, next);
            fenced = f; // copied on write: read without the lock on every direct send
        }
        // outside the lock: the step may send, and a bus that delivers in the caller's thread calls back in
        before.handle((v, e) -> true).thenCompose(v -> step.get()).whenComplete((v, e) -> {
            synchronized (this) {
                Map<String, CompletableFuture<Boolean>> f = fenced;
                if (f != null && f.get(id) == next) {
                    Map<String, CompletableFuture<Boolean>> rest = new HashMap<>(f);
                    rest.remove(id);
                    fenced = rest.isEmpty() ? null : rest;
                }
            }
            next.complete(true);
        });
    }
}
