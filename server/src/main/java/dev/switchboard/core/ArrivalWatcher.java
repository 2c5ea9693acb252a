package dev.switchboard.core;

/**
 * Sees each message that arrives from another node for this node's members of one namespace, before it is
 * delivered: how the negotiation telemetry follows an exchange whose two peers are on different nodes
 * (docs/design/telemetry.md#one-nodes-view). Runs on a bus thread: must be quick and never block.
 */
public interface ArrivalWatcher {
    /** {@code targetId} is the member a direct message is for; null for a broadcast to the room. */
    void arrived(RoomKey room, String targetId, Envelope envelope);
}
