package dev.switchboard.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Offer/answer exchanges of one dialect, as the signaling its clients send shows them
 * (docs/design/telemetry.md): started at an offer, completed at the answer, abandoned when no answer came
 * within the timeout; glare when both sides of a pair offer before either answers. After the answer the
 * exchange stays open for ICE candidates until the pair is quiet, then the time from the offer to the last
 * candidate is recorded.
 *
 * <p>Only messages recognised as an offer, answer or candidate reach this class, so nothing here runs (or
 * allocates) for the rest of the traffic. Callable from any thread.
 */
public final class Negotiations {
    /** What a relayed signaling message carries, as its envelope shows. */
    public enum Signal { OFFER, ANSWER, CANDIDATE }

    /** Pairs followed at once, per dialect: beyond, new exchanges are only counted as untracked (memory bound). */
    static final int MAX_TRACKED = 65_536;

    private final Map<Pair, Exchange> open = new ConcurrentHashMap<>();
    private final Counter started;
    private final Counter completed;
    private final Counter abandoned;
    private final Counter glare;
    private final Counter untracked;
    private final Timer toAnswer;
    private final Timer toLastCandidate;
    private final long timeoutNanos;
    private final long quietNanos;

    Negotiations(MeterRegistry registry, String dialect, Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        this.quietNanos = quietPeriod(timeout).toNanos();
        started = counter(registry, dialect, "started", "Offer/answer exchanges started (an offer seen)");
        completed = counter(registry, dialect, "completed", "Offer/answer exchanges completed (the answer seen)");
        abandoned = counter(registry, dialect, "abandoned",
                "Offer/answer exchanges with no answer within --negotiation-timeout");
        glare = counter(registry, dialect, "glare", "Exchanges where both peers offered before either answered");
        untracked = counter(registry, dialect, "untracked",
                "Offers not followed because " + MAX_TRACKED + " exchanges were already open");
        toAnswer = timer(registry, dialect, "switchboard.negotiation.answer", "From an offer to its answer");
        toLastCandidate = timer(registry, dialect, "switchboard.negotiation.candidates",
                "From an offer to the last ICE candidate of its exchange (either side)");
    }

    /** After an answer, an exchange whose pair sent nothing for this long is over (at most 5 s). */
    static Duration quietPeriod(Duration timeout) {
        return timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5);
    }

    private static Counter counter(MeterRegistry registry, String dialect, String outcome, String help) {
        return Counter.builder("switchboard.negotiations." + outcome).description(help).tag("dialect", dialect)
                .register(registry);
    }

    private static Timer timer(MeterRegistry registry, String dialect, String name, String help) {
        return Timer.builder(name).description(help).tag("dialect", dialect).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
    }

    /**
     * A client sent {@code kind} from {@code from} to {@code to} in {@code room} (any text that tells the
     * dialect's rooms apart; peers are ids within it).
     */
    public void signal(String room, String from, String to, Signal kind) {
        signal(room, from, to, kind, System.nanoTime());
    }

    /**
     * {@code kind} from {@code from} on another node reached {@code to} here: it completes, or adds to, an
     * exchange this node follows, but never starts one (the offerer's node counts that exchange). So an
     * exchange between peers on two nodes is counted once, where its offer was made; glare across nodes is
     * seen by both.
     */
    public void arrived(String room, String from, String to, Signal kind) {
        signal(room, from, to, kind, System.nanoTime(), false);
    }

    void signal(String room, String from, String to, Signal kind, long now) {
        signal(room, from, to, kind, now, true);
    }

    private void signal(String room, String from, String to, Signal kind, long now, boolean local) {
        if (room == null || from == null || to == null || kind == null) {
            return;
        }
        Pair pair = Pair.of(room, from, to);
        if (kind == Signal.OFFER) {
            offer(pair, from, now, local);
            return;
        }
        Exchange exchange = open.get(pair);
        if (exchange == null) {
            return; // an answer or candidate of an exchange not seen from its offer (or already over)
        }
        synchronized (exchange) {
            if (exchange.over) {
                return;
            }
            exchange.lastNanos = now;
            if (kind == Signal.ANSWER) {
                // after glare either side may be the one that answers (the polite peer rolls back)
                if (exchange.answerNanos == 0 && (exchange.glare || !from.equals(exchange.offerer))) {
                    exchange.answerNanos = now;
                    completed.increment();
                    toAnswer.record(now - exchange.offerNanos, TimeUnit.NANOSECONDS);
                }
            } else {
                exchange.lastCandidateNanos = now;
            }
        }
    }

    private void offer(Pair pair, String from, long now, boolean local) {
        Exchange current = open.get(pair);
        if (current != null) {
            synchronized (current) {
                if (!current.over) {
                    current.lastNanos = now;
                    if (current.answerNanos == 0) {
                        if (!from.equals(current.offerer) && !current.glare) {
                            current.glare = true; // both sides offered before an answer: counted once
                            glare.increment();
                        }
                        return; // a repeated offer, or the other side's: still the same exchange
                    }
                    finish(current); // an offer after the answer is a renegotiation: a new exchange
                }
            }
            open.remove(pair, current);
        }
        if (!local) {
            return; // the offer of a peer on another node: its node counts the exchange
        }
        if (open.size() >= MAX_TRACKED) {
            untracked.increment();
            return;
        }
        if (open.putIfAbsent(pair, new Exchange(from, now)) == null) {
            started.increment();
        }
    }

    /** Ends what is due: unanswered exchanges past the timeout, answered ones whose pair went quiet. */
    void sweep(long now) {
        for (Iterator<Exchange> it = open.values().iterator(); it.hasNext(); ) {
            Exchange exchange = it.next();
            synchronized (exchange) {
                if (exchange.answerNanos == 0 && now - exchange.offerNanos >= timeoutNanos) {
                    exchange.over = true;
                    abandoned.increment();
                    it.remove();
                } else if (exchange.answerNanos != 0 && now - exchange.lastNanos >= quietNanos) {
                    finish(exchange);
                    it.remove();
                }
            }
        }
    }

    private void finish(Exchange exchange) {
        exchange.over = true;
        if (exchange.lastCandidateNanos > exchange.offerNanos) {
            toLastCandidate.record(exchange.lastCandidateNanos - exchange.offerNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Exchanges followed right now (offered, or answered and still trading candidates). */
    public int open() {
        return open.size();
    }

    public long started() {
        return (long) started.count();
    }

    public long completed() {
        return (long) completed.count();
    }

    public long abandoned() {
        return (long) abandoned.count();
    }

    public long glare() {
        return (long) glare.count();
    }

    /** Mean time from offer to answer, in milliseconds; 0 before the first answer. */
    public double meanAnswerMillis() {
        return toAnswer.mean(TimeUnit.MILLISECONDS);
    }

    /** Mean time from offer to the last candidate, in milliseconds; 0 before the first. */
    public double meanLastCandidateMillis() {
        return toLastCandidate.mean(TimeUnit.MILLISECONDS);
    }

    /** Two peers of a room, in either order: an offer from a to b and the answer from b to a are one exchange. */
    private record Pair(String room, String low, String high) {
        static Pair of(String room, String a, String b) {
            return a.compareTo(b) <= 0 ? new Pair(room, a, b) : new Pair(room, b, a);
        }

        // written out: looked up for every offer, answer and candidate, and the record's generated ones go
        // through an invokedynamic bootstrap the profile showed on that path
        @Override
        public boolean equals(Object o) {
            return o instanceof Pair p && low.equals(p.low) && high.equals(p.high) && room.equals(p.room);
        }

        @Override
        public int hashCode() {
            return (room.hashCode() * 31 + low.hashCode()) * 31 + high.hashCode();
        }
    }

    private static final class Exchange {
        final String offerer;
        final long offerNanos;
        long answerNanos;
        long lastNanos;
        long lastCandidateNanos;
        boolean glare;
        boolean over;

        Exchange(String offerer, long offerNanos) {
            this.offerer = offerer;
            this.offerNanos = offerNanos;
            this.lastNanos = offerNanos;
        }
    }
}
