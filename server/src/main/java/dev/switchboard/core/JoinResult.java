package dev.switchboard.core;

import java.util.List;

/**
 * The outcome of a join: either joined, with the other members of the room at that moment (cluster-wide,
 * joiner excluded, in join order), or refused because the id is held by {@code holder}. A {@link JoinPolicy#RESUME}
 * join that took over a registration has {@code resumed} set and its {@code holder} is the registration it
 * replaced; {@code parked} says whether that holder was parked (its connection had dropped) rather than
 * connected.
 */
public record JoinResult(boolean joined, List<MemberInfo> others, MemberInfo holder, boolean resumed, boolean parked) {
    public static JoinResult joined(List<MemberInfo> others) {
        return new JoinResult(true, List.copyOf(others), null, false, false);
    }

    public static JoinResult taken(MemberInfo holder) {
        return new JoinResult(false, List.of(), holder, false, false);
    }

    /** A resume that replaced {@code replaced}, which was parked or still connected. */
    public static JoinResult resumed(List<MemberInfo> others, MemberInfo replaced, boolean parked) {
        return new JoinResult(true, List.copyOf(others), replaced, true, parked);
    }
}
