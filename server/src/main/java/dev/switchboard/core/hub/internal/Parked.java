package dev.switchboard.core.hub.internal;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.Outlet;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.hub.ResumeStats;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A member whose connection dropped, kept in its room for the resume window in its place (docs/design/resume.md):
 * same id and metadata, so the cluster and the other members see nothing change; its position is unknown, so it
 * is told no membership change (a resumed connection gets a fresh list); and what the room delivers to it goes to
 * its mailbox in the bus, in order.
 */
final class Parked implements LocalMember, Endpoint, Outlet {
    private final Room room;
    private final MemberInfo info;
    private final Bus bus;
    private final ResumeLimits limits;
    private final ResumeStats stats;
    /** Where a message goes that finds the member resumed elsewhere: routed again, to where it is now. */
    private final Function<Envelope, CompletionStage<Boolean>> reroute;

    Parked(Room room, MemberInfo info, Bus bus, ResumeLimits limits, ResumeStats stats,
           Function<Envelope, CompletionStage<Boolean>> reroute) {
        this.room = room;
        this.info = info;
        this.bus = bus;
        this.limits = limits;
        this.stats = stats;
        this.reroute = reroute;
    }

    MemberInfo info() {
        return info;
    }

    @Override
    public String id() {
        return info.id();
    }

    @Override
    public Map<String, String> metadata() {
        return info.metadata();
    }

    @Override
    public Endpoint endpoint() {
        return this;
    }

    @Override
    public Outlet outlet() {
        return this;
    }

    @Override
    public void deliver(Envelope envelope, List<? extends Endpoint> receivers) {
        // called in the room's delivery order; the bus keeps its calls in that order. A detour of the room's
        // until the mailbox answers: if the member resumed elsewhere meanwhile, this node's sends made after it
        // heard of that wait for this one (docs/design/resume.md, "Order across a move")
        room.detourStarted();
        bus.mail(room.key(), info, envelope, limits, false).whenComplete((mail, error) -> {
            if (mail == Bus.Mail.GONE) {
                // resumed elsewhere before this node heard of it
                reroute.apply(envelope).whenComplete((ok, e) -> room.detourEnded());
                return;
            }
            if (mail != null) {
                stats.mailed(mail == Bus.Mail.KEPT);
            }
            room.detourEnded();
        });
    }
}
