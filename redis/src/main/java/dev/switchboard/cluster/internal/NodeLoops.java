package dev.switchboard.cluster.internal;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's connections on the node's own event loops instead of threads of its own. A PUBLISH made while the
 * node's loop handles a client's message is then written there and then (Netty writes in the loop, no task and
 * no wake-up of another thread), and a message from another node is decoded, dispatched and written to the
 * node's clients on the loop that owns them (WebSocketOutlet writes at once on its own loop). The node owns the
 * loops: Lettuce's release and shutdown leave them running.
 */
public final class NodeLoops implements EventLoopGroupProvider {
    private final EventLoopGroup loops;

    private NodeLoops(EventLoopGroup loops) {
        this.loops = loops;
    }

    /**
     * A provider over {@code epollLoops}, or null when there are none or Lettuce would not make epoll channels
     * (another transport's channel cannot register with an epoll loop).
     */
    public static NodeLoops of(EventLoopGroup epollLoops) {
        if (epollLoops == null || !"io.netty.channel.epoll.EpollSocketChannel".equals(Transports.socketChannelClass().getName())) {
            return null;
        }
        return new NodeLoops(epollLoops);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        return (T) loops;
    }

    @Override
    public int threadPoolSize() {
        int n = 0;
        for (EventExecutor ignored : loops) {
            n++;
        }
        return n;
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
