package dev.switchboard.cluster;

import dev.switchboard.SwitchboardConfig;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.BusProvider;
import dev.switchboard.config.NodeOptions;
import io.netty.channel.EventLoopGroup;

/** Offers {@link RedisBus} to nodes whose redis option names a {@code redis://} or {@code rediss://} URI. */
public final class RedisBusProvider implements BusProvider {
    @Override
    public boolean supports(String uri) {
        return uri.startsWith("redis://") || uri.startsWith("rediss://");
    }

    @Override
    public Bus connect(String uri, String nodeId, SwitchboardConfig config) {
        return connect(uri, nodeId, config, null);
    }

    @Override
    public Bus connect(String uri, String nodeId, SwitchboardConfig config, EventLoopGroup epollLoops) {
        return RedisBus.connect(RedisBusOptions.builder(uri)
                .epollLoops(epollLoops)
                .nodeId(nodeId)
                .cluster(config.redisCluster())
                .keyPrefix(config.clusterPrefix())
                .heartbeatInterval(config.heartbeatInterval())
                .failureTimeout(config.failureTimeout())
                .commandTimeout(config.get(NodeOptions.REDIS_TIMEOUT))
                .resumeWindow(config.get(NodeOptions.RESUME_WINDOW))
                .tlsCa(config.get(NodeOptions.REDIS_TLS_CA) == null ? null
                        : java.nio.file.Path.of(config.get(NodeOptions.REDIS_TLS_CA)))
                .build());
    }
}
