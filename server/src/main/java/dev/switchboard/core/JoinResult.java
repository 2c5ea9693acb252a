package dev.switchboard.core;

import java.util.List;

/**
 * The outcome of a join: either joined, with the other members of the room at that moment (cluster-wide,
 * joiner excluded, in join order), or refused because the id is held by {@code holder}.
 */
public record JoinResult(boolean joined, List<MemberInfo> others, MemberInfo holder) {
    public static JoinResult joined(List<MemberInfo> others) {
        return new JoinResult(true, List.copyOf(others), null);
    }

    public static JoinResult taken(MemberInfo holder) {
        return new JoinResult(false, List.of(), holder);
    }
}
