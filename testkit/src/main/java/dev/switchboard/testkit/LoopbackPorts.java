package dev.switchboard.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the servers a test starts as child processes (redis-server). A port the test reserves and releases
 * before the child binds it can be taken meanwhile, and a port from the kernel's ephemeral range can be taken
 * by any outgoing connection; so ports come from a range below it (Linux's starts at 32768), checked free
 * just before use, and the caller retries with another when its child still could not bind. The range keeps
 * a Redis Cluster's bus port (port + 10000) below the ephemeral range too, and under the 55535 Redis accepts
 * for a cluster node.
 */
public final class LoopbackPorts {
    static final int FIRST = 20000;
    static final int LAST = 22767;
    /** How many ports a start tries before it gives up (a taken port is rare; several in a row, a real fault). */
    public static final int ATTEMPTS = 20;

    private LoopbackPorts() {
    }

    /** A port of the range that is free now, together with its cluster bus port. */
    public static int candidate() {
        for (int i = 0; i < 1000; i++) {
            int port = ThreadLocalRandom.current().nextInt(FIRST, LAST + 1);
            if (free(port) && free(port + 10000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port in " + FIRST + "-" + LAST);
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
