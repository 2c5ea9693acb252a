package dev.switchboard.cluster.internal;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's connections on one of the node's own event loops instead of threads of its own. A PUBLISH made while
 * that loop handles a client's message is then written there (no task, no wake-up of another thread), and a
 * message from another node is decoded, dispatched and written to the node's clients on the loop that owns them.
 * One loop, not the group: a connection's writes keep their order only when they all leave from the loop its
 * channel is registered with (a write from another thread waits in that loop's queue, one on the loop itself
 * goes at once, ahead of it), so {@link CommandFlusher} must know which loop that is. The node owns the loop:
 * Lettuce's release and shutdown leave it running.
 */
public final class NodeLoops implements EventLoopGroupProvider {
    private final EventLoop loop;

    private NodeLoops(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * A provider over one of {@code epollLoops}, or null when there are none or Lettuce would not make epoll
     * channels (another transport's channel cannot register with an epoll loop).
     */
    public static NodeLoops of(EventLoopGroup epollLoops) {
        if (epollLoops == null || !"io.netty.channel.epoll.EpollSocketChannel".equals(Transports.socketChannelClass().getName())) {
            return null;
        }
        return new NodeLoops(epollLoops.next());
    }

    /** The loop every connection made with this provider is registered with. */
    public EventLoop loop() {
        return loop;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        return (T) loop; // an event loop is a group of one: every channel registers with it
    }

    @Override
    public int threadPoolSize() {
        return 1;
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }
}
