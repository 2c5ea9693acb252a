package dev.switchboard.core.hub.internal;

import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The rooms this node holds members of. A room is created, followed on the bus and seeded with the other nodes'
 * members on its first member (or claim), and unfollowed and dropped after its last.
 */
public final class Rooms {
    private final Bus bus;
    private final String nodeId;
    private final ConcurrentHashMap<RoomKey, Room> rooms = new ConcurrentHashMap<>();
    private final Predicate<String> ordered;

    /** {@code ordered}: whether a namespace's rooms keep their members' positions (it has a membership handler). */
    public Rooms(Bus bus, Predicate<String> ordered) {
        this.bus = bus;
        this.nodeId = bus.nodeId();
        this.ordered = ordered;
    }

    /** The room, or null if this node holds none of its members. */
    public Room get(RoomKey key) {
        return rooms.get(key);
    }

    public Collection<Room> all() {
        return rooms.values();
    }

    /** Rooms by namespace (a dialect's name); walks every room, so for the dashboard, not the hot path. */
    public java.util.Map<String, Integer> countByNamespace() {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        for (RoomKey key : rooms.keySet()) {
            out.merge(key.namespace(), 1, Integer::sum);
        }
        return out;
    }

    public int size() {
        return rooms.size();
    }

    /** The room, created, followed and seeded if this node has none. */
    public Room getOrCreate(RoomKey key) {
        Room room = rooms.get(key);
        if (room != null) {
            return room;
        }
        Room fresh = new Room(key, ordered.test(key.namespace()));
        // unseeded from the moment others can see it, so that no one counts its local members alone
        CompletableFuture<Void> seeding = new CompletableFuture<>();
        fresh.seeded(seeding);
        room = rooms.putIfAbsent(key, fresh);
        if (room != null) {
            return room;
        }
        bus.follow(key);
        reconcile(fresh, null).whenComplete((v, error) -> seeding.complete(null));
        return fresh;
    }

    /** Drops the room if it has no local member left and no claim in flight. */
    public void retireIfEmpty(Room room) {
        if (room.retireIfEmpty()) {
            // Unfollow before the room leaves the map: a new room for the key can only be created (and
            // followed) after this, so follow and unfollow never cross.
            bus.unfollow(room.key());
            rooms.remove(room.key(), room);
        }
    }

    /**
     * Brings the view of the room's remote members in line with the cluster's. After an outage the differences
     * are announced; when a room is first followed they are not (its joiner learns the members from its join).
     */
    public CompletionStage<Void> reconcile(Room room, Consumer<Room.Diff> announce) {
        return bus.members(room.key()).handle((members, error) -> {
            if (error != null) {
                return null; // the cluster is unreachable; the view is refreshed when it is back
            }
            List<MemberInfo> remote = new ArrayList<>(members.size());
            for (MemberInfo m : members) {
                if (!m.nodeId().equals(nodeId)) {
                    remote.add(m);
                }
            }
            synchronized (room) {
                Room.Diff diff = room.reconcile(remote);
                if (announce != null) {
                    announce.accept(diff); // under the room's lock: in order with its other changes
                }
            }
            return null;
        });
    }
}
