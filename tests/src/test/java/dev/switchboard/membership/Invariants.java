package dev.switchboard.membership;

import static dev.switchboard.membership.Recorded.NEVER;

import dev.switchboard.membership.Dialect.Kind;
import dev.switchboard.membership.Recorded.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The membership invariant of issue 18, checked on what the clients received.
 *
 * <p>Safety (for every client, also those that left or were killed): it learns of a member at most once (its
 * join list or one join notice), of its departure at most once and only after learning of it, never of itself
 * or of a stranger. Liveness (for clients still there): it learned of every member it was present with, and of
 * the departure of every member it learned of that is gone. Two clients both still there: exactly one has the
 * other in its join list (Radix: one side was told Already, the other Just).
 *
 * <p>"Present at the same time" is decided from the test's own clock in the safe direction only: a peer that
 * got its join answer and left (or was killed) after this client's join answer was taken off the socket
 * overlapped it for sure; in doubt nothing is required. A Radix side gets no join answer, so only a side that
 * stays is certainly met by another.
 */
final class Invariants {
    /** The failure-detection bound the cluster tests hold a killed node to. */
    static final Duration KILL_BOUND = Duration.ofSeconds(10);
    private static final int SHOWN = 12;

    private Invariants() {
    }

    /**
     * One broken rule. {@code pending}: something is still missing, so more time might mend it (the scenario
     * waits on these); the others can never be mended.
     */
    record Violation(String rule, boolean pending, String text) {
    }

    /** Everything a client received, indexed by the ids it was about. */
    private static final class Seen {
        final Recorded m;
        final List<Frame> frames;
        /** Named-peer, Rendezvous: when its join list was taken off the socket. Radix: when it connected. */
        long joinedAt = NEVER;
        int lists;
        final Map<String, List<Integer>> listed = new LinkedHashMap<>();
        final Map<String, List<Integer>> joined = new LinkedHashMap<>();
        final Map<String, List<Integer>> left = new LinkedHashMap<>();
        final List<Integer> other = new ArrayList<>();
        final List<Integer> beforeList = new ArrayList<>();

        Seen(Recorded m) {
            this.m = m;
            this.frames = m.frames();
            boolean radix = m.dialect == Dialect.RADIX;
            joinedAt = radix ? m.connectedAt : NEVER;
            for (int i = 0; i < frames.size(); i++) {
                Frame f = frames.get(i);
                Kind kind = f.notice().kind();
                if (kind == Kind.OTHER) {
                    other.add(i);
                    continue;
                }
                if (!radix && kind == Kind.LIST) {
                    lists++;
                    joinedAt = Math.min(joinedAt, f.at());
                } else if (!radix && joinedAt == NEVER) {
                    beforeList.add(i);
                }
                for (String id : f.notice().ids()) {
                    if (kind == Kind.LIST && id.equals(m.id)) {
                        continue; // named-peer lists the joiner itself
                    }
                    Map<String, List<Integer>> into = kind == Kind.LIST ? listed : kind == Kind.JOIN ? joined : left;
                    into.computeIfAbsent(id, k -> new ArrayList<>()).add(i);
                }
            }
        }

        Set<String> ids() {
            Set<String> ids = new LinkedHashSet<>(listed.keySet());
            ids.addAll(joined.keySet());
            ids.addAll(left.keySet());
            return ids;
        }

        int listed(String id) {
            return listed.getOrDefault(id, List.of()).size();
        }

        int learned(String id) {
            return listed(id) + joined.getOrDefault(id, List.of()).size();
        }

        int leaves(String id) {
            return left.getOrDefault(id, List.of()).size();
        }

        int firstLearn(String id) {
            return Math.min(listed.getOrDefault(id, List.of(Integer.MAX_VALUE)).get(0),
                    joined.getOrDefault(id, List.of(Integer.MAX_VALUE)).get(0));
        }

        /** Frames about {@code id}, in order. */
        List<Integer> about(String id) {
            List<Integer> out = new ArrayList<>(listed.getOrDefault(id, List.of()));
            out.addAll(joined.getOrDefault(id, List.of()));
            out.addAll(left.getOrDefault(id, List.of()));
            out.sort(Integer::compare);
            return out;
        }

        /** Radix: every Already or Just this side got, in order. */
        List<Integer> connects() {
            List<Integer> out = new ArrayList<>();
            listed.values().forEach(out::addAll);
            joined.values().forEach(out::addAll);
            out.sort(Integer::compare);
            return out;
        }

        List<Integer> disconnects() {
            List<Integer> out = new ArrayList<>();
            left.values().forEach(out::addAll);
            out.sort(Integer::compare);
            return out;
        }
    }

    /** The checks for one room whose members' ids the test knows (named-peer, Rendezvous). */
    static List<Violation> checkRoom(List<Recorded> members, long t0, long killedAt) {
        Map<String, Recorded> byId = new HashMap<>();
        Map<Recorded, Seen> seen = new LinkedHashMap<>();
        for (Recorded m : members) {
            byId.put(m.id, m);
            seen.put(m, new Seen(m));
        }
        Out out = new Out(t0);
        for (Seen s : seen.values()) {
            Recorded c = s.m;
            common(out, s);
            if (s.lists > 1) {
                out.add("list twice", false, c, null, null, "got a join list " + s.lists + " times", s, null);
            }
            for (int i : s.beforeList) {
                out.add("notice before its list", false, c, null, null, "got a notice before its own join list", s, List.of(i));
            }
            for (String id : s.ids()) {
                Recorded p = byId.get(id);
                String about = p == null ? id : p.label;
                if (id.equals(c.id)) {
                    out.add("about itself", false, c, about, id, "was told about itself", s, s.about(id));
                    continue;
                }
                if (p == null) {
                    out.add("stranger", false, c, about, id, "was told about a member no client of this room is", s, s.about(id));
                    continue;
                }
                learnAndLeave(out, s, id, about, p, killedAt);
            }
            if (!c.stays() || c.failure != null) {
                continue;
            }
            if (s.joinedAt == NEVER) {
                out.add("no list", true, c, null, null, "stays but never got its join list", s, null);
                continue;
            }
            for (Seen ps : seen.values()) {
                Recorded p = ps.m;
                if (p == c) {
                    continue;
                }
                boolean overlapped = ps.joinedAt != NEVER && (p.stays() || p.departedAt() > s.joinedAt);
                if (overlapped && s.learned(p.id) == 0) {
                    out.add("never learned", true, c, p.label, p.id, "was present with it but never learned of it ("
                            + timeline(out, p, ps) + ")", s, null);
                }
                if (s.learned(p.id) > 0 && !p.stays() && s.leaves(p.id) == 0) {
                    out.add("departure missing", true, c, p.label, p.id, "learned of it but was never told it left ("
                            + timeline(out, p, ps) + ")", s, s.about(p.id));
                }
                if (p.stays() && ps.joinedAt != NEVER && c.label.compareTo(p.label) < 0
                        && s.learned(p.id) > 0 && ps.learned(c.id) > 0) {
                    boolean cLists = s.listed(p.id) > 0;
                    boolean pLists = ps.listed(c.id) > 0;
                    if (cLists == pLists) {
                        out.add(cLists ? "both listed" : "neither listed", false, c, p.label, p.id, cLists
                                ? "each has the other in its join list"
                                : "neither has the other in its join list: both were told by a join notice",
                                s, s.about(p.id), ps, ps.about(c.id));
                    }
                }
            }
        }
        return out.violations;
    }

    /** The checks for Radix pairings: one wallet and one extension per connectionId, each opened once. */
    static List<Violation> checkPairings(List<Recorded> members, long t0, long killedAt) {
        Map<String, List<Recorded>> byPairing = new HashMap<>();
        Map<Recorded, Seen> seen = new LinkedHashMap<>();
        for (Recorded m : members) {
            byPairing.computeIfAbsent(m.pairing, k -> new ArrayList<>()).add(m);
            seen.put(m, new Seen(m));
        }
        Out out = new Out(t0);
        for (Seen s : seen.values()) {
            Recorded c = s.m;
            common(out, s);
            Recorded o = byPairing.get(c.pairing).stream().filter(m -> m != c).findFirst().orElseThrow();
            Seen os = seen.get(o);
            List<Integer> connects = s.connects();
            List<Integer> disconnects = s.disconnects();
            if (connects.size() > 1) {
                out.add("connect notice twice", false, c, o.label, null, "was told " + connects.size()
                        + " times that the other side is there (one other side ever exists)", s, connects);
            }
            if (disconnects.size() > 1) {
                out.add("departure twice", false, c, o.label, null, "was told " + disconnects.size() + " times that it left", s, disconnects);
            }
            if (!disconnects.isEmpty()) {
                String goneId = s.frames.get(disconnects.get(0)).notice().ids().get(0);
                if (connects.isEmpty() || disconnects.get(0) < connects.get(0) || s.learned(goneId) == 0) {
                    out.add("departure of unknown", false, c, o.label, null,
                            "was told it left without, or before, being told it was there", s, s.about(goneId));
                }
                if (o.stays()) {
                    out.add("departure of present", false, c, o.label, null, "was told it left while it is still there", s, disconnects);
                }
                if (o.killed() && c.stays()) {
                    killBound(out, s, o.label, disconnects.get(0), killedAt);
                }
            }
            if (!c.stays() || c.failure != null || c.connectedAt == NEVER) {
                continue;
            }
            // A Radix side has no join answer: its join takes effect some time after its socket opened, so a
            // side that left soon after can have come and gone before it in the cluster's order. Only a side
            // that stays is certainly met; one that left is held to the safety rules above.
            boolean overlapped = o.connectedAt != NEVER && o.stays();
            if (overlapped && connects.isEmpty()) {
                out.add("never learned", true, c, o.label, null, "was present with it but never told of it ("
                        + timeline(out, o, os) + ")", s, null);
            }
            if (!connects.isEmpty() && !o.stays() && disconnects.isEmpty()) {
                out.add("departure missing", true, c, o.label, null, "was told of it but never that it left ("
                        + timeline(out, o, os) + ")", s, connects);
            }
            if (o.stays() && o.connectedAt != NEVER && c.label.compareTo(o.label) < 0
                    && !connects.isEmpty() && !os.connects().isEmpty()) {
                String shape = shape(s, os);
                if (!shape.equals(UPSTREAM_SHAPED)) {
                    out.add("not upstream-shaped", false, c, o.label, null, shape, s, connects, os, os.connects());
                }
            }
        }
        return out.violations;
    }

    static final String UPSTREAM_SHAPED = "upstream-shaped";

    /**
     * How the two sides of a pairing were told of each other: upstream-shaped when one got exactly one
     * remoteClientIsAlreadyConnected and the other exactly one remoteClientJustConnected, with different ids.
     */
    static String shape(Recorded a, Recorded b) {
        return shape(new Seen(a), new Seen(b));
    }

    private static String shape(Seen a, Seen b) {
        int aAlready = count(a.listed);
        int aJust = count(a.joined);
        int bAlready = count(b.listed);
        int bJust = count(b.joined);
        if (aAlready + aJust == 0 || bAlready + bJust == 0) {
            return "missing (" + summary(a, aAlready, aJust) + "; " + summary(b, bAlready, bJust) + ")";
        }
        if (aAlready + aJust > 1 || bAlready + bJust > 1) {
            return "duplicate (" + summary(a, aAlready, aJust) + "; " + summary(b, bAlready, bJust) + ")";
        }
        if (aAlready == bAlready) {
            return aAlready == 1 ? "both Already" : "both Just";
        }
        if (a.ids().equals(b.ids())) {
            return "both told the same id";
        }
        return UPSTREAM_SHAPED;
    }

    private static String summary(Seen s, int already, int just) {
        return s.m.role + " got " + already + " Already, " + just + " Just";
    }

    private static int count(Map<String, List<Integer>> m) {
        return m.values().stream().mapToInt(List::size).sum();
    }

    /** Rules every dialect shares: no frame the scenario does not expect, no failed join. */
    private static void common(Out out, Seen s) {
        Recorded c = s.m;
        if (c.failure != null) {
            out.add("join failed", false, c, null, null, "could not join: " + c.failure, s, null);
        }
        for (int i : s.other) {
            out.add("unexpected frame", false, c, null, null, "got a frame the scenario does not expect", s, List.of(i));
        }
    }

    private static void learnAndLeave(Out out, Seen s, String id, String about, Recorded p, long killedAt) {
        Recorded c = s.m;
        int learned = s.learned(id);
        int leaves = s.leaves(id);
        if (learned > 1) {
            out.add("learned twice", false, c, about, id, "learned of it " + learned + " times (" + s.listed(id)
                    + " in its join list, " + (learned - s.listed(id)) + " by join notice)", s, s.about(id));
        }
        if (leaves > 1) {
            out.add("departure twice", false, c, about, id, "was told " + leaves + " times that it left", s, s.about(id));
        }
        if (leaves > 0) {
            int firstLeave = s.left.get(id).get(0);
            if (learned == 0 || firstLeave < s.firstLearn(id)) {
                out.add("departure of unknown", false, c, about, id,
                        "was told it left without, or before, being told it was there", s, s.about(id));
            }
            if (p.stays()) {
                out.add("departure of present", false, c, about, id, "was told it left while it is still there", s, s.about(id));
            }
            if (p.killed() && c.stays()) {
                killBound(out, s, about, firstLeave, killedAt);
            }
        }
    }

    private static void killBound(Out out, Seen s, String about, int leaveFrame, long killedAt) {
        long after = s.frames.get(leaveFrame).at() - killedAt;
        if (after > KILL_BOUND.toNanos()) {
            out.add("departure late", false, s.m, about, null, "was told its node died " + after / 1_000_000
                    + " ms after the kill (bound " + KILL_BOUND.toMillis() + " ms)", s, List.of(leaveFrame));
        }
    }

    private static String timeline(Out out, Recorded p, Seen ps) {
        StringBuilder b = new StringBuilder(p.label);
        b.append(p.dialect == Dialect.RADIX ? " connected " : " got its join list ").append(out.at(ps.joinedAt));
        if (!p.stays()) {
            b.append(p.killed() ? ", its node killed " : ", closed ").append(out.at(p.departedAt()));
        }
        return b.toString();
    }

    /** Collects violations and renders their frames. */
    private static final class Out {
        final long t0;
        final List<Violation> violations = new ArrayList<>();

        Out(long t0) {
            this.t0 = t0;
        }

        String at(long nanos) {
            return nanos == NEVER ? "never" : "+" + (nanos - t0) / 1_000_000 + "ms";
        }

        /**
         * {@code views}: pairs of (Seen, frame indexes to show); no index shows the start of its story. A join
         * list is shown by its size and whether {@code aboutId} is in it.
         */
        void add(String rule, boolean pending, Recorded member, String about, String aboutId, String what,
                 Object... views) {
            StringBuilder b = new StringBuilder();
            b.append('[').append(rule).append("] ").append(member.label);
            if (about != null) {
                b.append(" about ").append(about);
            }
            b.append(": ").append(what);
            for (int v = 0; v + 1 < views.length; v += 2) {
                Seen s = (Seen) views[v];
                @SuppressWarnings("unchecked")
                List<Integer> shown = (List<Integer>) views[v + 1];
                b.append("\n      frames of ").append(s.m.label).append(" (").append(s.frames.size()).append(" in all)");
                List<Integer> idx = new ArrayList<>();
                if (shown == null || shown.isEmpty()) {
                    for (int i = 0; i < s.frames.size() && idx.size() < 3; i++) {
                        idx.add(i);
                    }
                } else {
                    idx.addAll(shown);
                }
                if (idx.isEmpty()) {
                    b.append(": none");
                }
                // the peer of the second view is the first view's member
                String id = v == 0 ? aboutId : member.id;
                for (int i : idx) {
                    b.append("\n        ").append(render(s, i, id));
                }
            }
            violations.add(new Violation(rule, pending, b.toString()));
        }

        private String render(Seen s, int i, String peerId) {
            Frame f = s.frames.get(i);
            String text = f.text();
            if (f.notice().kind() == Kind.LIST && f.notice().ids().size() > 3) {
                text = text.substring(0, Math.min(40, text.length())) + "… (a join list of "
                        + f.notice().ids().size() + " ids" + (peerId == null ? ""
                        : f.notice().ids().contains(peerId) ? ", with it" : ", without it") + ")";
            } else if (text.length() > 200) {
                text = text.substring(0, 200) + "…";
            }
            return at(f.at()) + " " + text;
        }
    }

    /**
     * A failure message: the scenario (with its seed), counts by rule, and the first violations in full, lasting
     * ones first; a missing notice is marked as such, since more time might have brought it.
     */
    static String report(String scenario, List<Violation> violations) {
        List<Violation> sorted = new ArrayList<>(violations);
        sorted.sort((a, b) -> Boolean.compare(a.pending(), b.pending()));
        Map<String, Integer> counts = new TreeMap<>();
        sorted.forEach(v -> counts.merge(v.rule() + (v.pending() ? " (missing)" : ""), 1, Integer::sum));
        StringBuilder b = new StringBuilder(scenario).append(": ").append(sorted.size())
                .append(" violation(s) of the membership invariant ").append(counts).append('\n');
        sorted.stream().limit(SHOWN).forEach(v -> b.append("  - ").append(v.pending() ? "(missing) " : "")
                .append(v.text()).append('\n'));
        if (sorted.size() > SHOWN) {
            b.append("  … and ").append(sorted.size() - SHOWN).append(" more\n");
        }
        return b.toString();
    }
}
