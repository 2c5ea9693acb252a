package dev.switchboard.core.hub.internal;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.RoomKey;
import java.util.List;

/**
 * The local members of a room that are to hear of one membership change: a {@link LocalRoom} limited to them, so
 * that a dialect's handler tells exactly those (see {@link Room#audience}).
 */
public final class Audience implements LocalRoom {
    private final RoomKey key;
    private final List<LocalMember> members;

    public Audience(RoomKey key, List<LocalMember> members) {
        this.key = key;
        this.members = members;
    }

    @Override
    public RoomKey key() {
        return key;
    }

    @Override
    public List<LocalMember> members() {
        return members;
    }

    @Override
    public void deliver(Envelope envelope, String exceptId) {
        Room.deliverTo(members.toArray(new LocalMember[0]), envelope, exceptId);
    }
}
