package dev.switchboard.core;

/** Why a member left a room. */
public enum LeaveReason {
    /** It left or its connection closed. */
    LEFT,
    /** Another connection took over its id. */
    REPLACED,
    /** Its node stopped answering and the cluster removed its members. */
    NODE_LOST
}
