package dev.switchboard.core;

import java.util.List;

/**
 * Writes one envelope to many endpoints of one transport. Implementations encode the envelope's wire frame
 * once and write the same bytes to each receiver.
 */
public interface Outlet {
    void deliver(Envelope envelope, List<? extends Endpoint> receivers);

    default void deliver(Envelope envelope, Endpoint receiver) {
        deliver(envelope, List.of(receiver));
    }
}
