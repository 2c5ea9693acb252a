package dev.switchboard.core;

/**
 * The transport side of a local member: where its messages are written. A transport implements it; the core
 * only uses it to group receivers by {@link Outlet} so that one encoding serves them all.
 */
public interface Endpoint {
    Outlet outlet();
}
