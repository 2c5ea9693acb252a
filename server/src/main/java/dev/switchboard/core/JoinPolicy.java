package dev.switchboard.core;

/** How a join treats another member that already holds the same id in the room, anywhere in the cluster. */
public enum JoinPolicy {
    /** Ids never collide (e.g. one per connection); no cluster-wide check is made before joining. */
    SHARED,
    /** The join is refused if the id is held: names and peer ids that must be unique. */
    EXCLUSIVE,
    /** The join replaces the current holder, which is evicted wherever it is. */
    TAKEOVER,
    /**
     * The same peer comes back (docs/design/resume.md): granted when the id is free, or when its holder carries
     * the same {@link MemberInfo#RESUME} value as the joiner; the holder (a connection, or a member parked after
     * its connection dropped) is replaced without a leave or a join seen by anyone else, and what was kept for
     * it comes with the answer, ahead of anything later.
     */
    RESUME
}
