package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Many clients subscribing, unsubscribing, connecting and disconnecting on random nodes; afterwards the
 * cluster's view of every room (Redis's registry and each node's view) equals the truth exactly.
 */
class ClusterChurnTest {
    private static final int NODES = 3;
    private static final int ROOMS = 8;
    private static final int OPERATIONS = 1500;

    /** A client and the rooms it is subscribed to, as the test knows them. */
    private record Peer(WsClient ws, int node, Set<String> rooms) {
    }

    @Test
    void clusterViewEqualsTheTruthAfterChurn() {
        Random random = new Random(42);
        try (RedisServer redis = RedisServer.start()) {
            List<Switchboard> nodes = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                nodes.add(TestNodes.start(TestNodes.config().nodeId("c" + i).redisUri(redis.uri()).build()));
            }
            List<Peer> peers = new ArrayList<>();
            try {
                for (int op = 0; op < OPERATIONS; op++) {
                    int choice = random.nextInt(10);
                    if (peers.isEmpty() || choice < 2) {
                        int node = random.nextInt(NODES);
                        peers.add(new Peer(WsClient.connect(nodes.get(node).port(), "/"), node, new HashSet<>()));
                    } else if (choice < 6) {
                        Peer p = peers.get(random.nextInt(peers.size()));
                        String room = "r" + random.nextInt(ROOMS);
                        p.ws().send("{\"type\":\"subscribe\",\"topics\":[\"" + room + "\"]}");
                        p.rooms().add(room);
                    } else if (choice < 8) {
                        Peer p = peers.get(random.nextInt(peers.size()));
                        String room = "r" + random.nextInt(ROOMS);
                        p.ws().send("{\"type\":\"unsubscribe\",\"topics\":[\"" + room + "\"]}");
                        p.rooms().remove(room);
                    } else {
                        Peer p = peers.remove(random.nextInt(peers.size()));
                        p.ws().close();
                    }
                }
                Map<String, Set<String>> truthByRoom = new HashMap<>();
                for (Peer p : peers) {
                    p.ws().send("{\"type\":\"ping\"}"); // the pong proves every earlier frame was handled
                    assertThat(p.ws().next()).isEqualTo("{\"type\":\"pong\"}");
                    for (String r : p.rooms()) {
                        truthByRoom.computeIfAbsent(r, k -> new HashSet<>()).add(p.ws().toString());
                    }
                }
                for (int r = 0; r < ROOMS; r++) {
                    String room = "r" + r;
                    RoomKey key = new RoomKey("y-webrtc", room);
                    int expected = truthByRoom.getOrDefault(room, Set.of()).size();
                    await().untilAsserted(() -> {
                        List<MemberInfo> registry = nodes.get(0).hub().members(key).toCompletableFuture().join();
                        assertThat(registry).as("registry of %s", room).hasSize(expected);
                        Map<String, Long> perNode = registry.stream()
                                .collect(Collectors.groupingBy(MemberInfo::nodeId, Collectors.counting()));
                        for (int n = 0; n < NODES; n++) {
                            final int node = n;
                            long local = peers.stream().filter(p -> p.node() == node && p.rooms().contains(room)).count();
                            assertThat(perNode.getOrDefault("c" + n, 0L)).as("%s members on node c%d", room, n).isEqualTo(local);
                            int known = nodes.get(n).hub().knownCount(key);
                            if (local > 0) {
                                assertThat(known).as("view of %s on node c%d", room, n).isEqualTo(expected);
                            } else {
                                assertThat(known).as("node c%d holds no member of %s", n, room).isEqualTo(-1);
                            }
                        }
                    });
                }
            } finally {
                peers.forEach(p -> p.ws().close());
                nodes.forEach(Switchboard::close);
            }
        }
    }
}
