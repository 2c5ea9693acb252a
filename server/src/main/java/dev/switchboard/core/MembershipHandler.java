package dev.switchboard.core;

/**
 * A dialect's reaction to membership changes in its namespace, called on every node for every change
 * anywhere in the cluster, so each node informs exactly its own members. Called after the change is in
 * effect. Implementations must not block.
 */
public interface MembershipHandler {
    MembershipHandler NONE = new MembershipHandler() {
    };

    default void joined(MemberInfo member, LocalRoom room) {
    }

    default void left(MemberInfo member, LeaveReason reason, LocalRoom room) {
    }
}
