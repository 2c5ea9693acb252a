package dev.switchboard.core;

import java.util.Objects;

/**
 * Names a room. The namespace keeps dialects apart: a y-webrtc topic and a Rendezvous room of the same name
 * are different rooms, so peers of different dialects never see each other.
 */
public record RoomKey(String namespace, String name) {
    public RoomKey {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return namespace + ':' + name;
    }
}
