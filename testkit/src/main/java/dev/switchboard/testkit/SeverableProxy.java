package dev.switchboard.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of a node's port whose connections a test can {@link #sever}: from then on
 * nothing crosses either way and nothing is closed, as when a phone's network drops. Neither end learns of it
 * from TCP: the node sees a connection that has gone silent (its keepalive must notice), the client one that
 * receives nothing. What the node writes after the cut is kept ({@link #afterCut}), so a test can see what the
 * stale connection was told; {@link #nodeClosed} says whether the node closed its side.
 */
public final class SeverableProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean severed;

    private final class Link {
        final Socket client;
        final Socket node;
        final ByteArrayOutputStream afterCut = new ByteArrayOutputStream();
        volatile boolean nodeClosed;

        Link(Socket client, Socket node) {
            this.client = client;
            this.node = node;
        }
    }

    private SeverableProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "severable-proxy-" + listener.getLocalPort());
        accept.setDaemon(true);
        accept.start();
    }

    /** A proxy to {@code 127.0.0.1:port}; clients connect to {@link #port()}. */
    public static SeverableProxy to(int port) {
        try {
            return new SeverableProxy(port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on loopback", e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Cuts every connection made so far, both ways, without closing anything. */
    public void sever() {
        severed = true;
    }

    /** Whether the node closed its side of a connection made through the proxy. */
    public boolean nodeClosed() {
        return links.stream().anyMatch(l -> l.nodeClosed);
    }

    /** What the node wrote after the cut, as text (a close frame's reason shows in it). */
    public String afterCut() {
        StringBuilder out = new StringBuilder();
        for (Link l : links) {
            synchronized (l.afterCut) {
                out.append(l.afterCut.toString(StandardCharsets.ISO_8859_1));
            }
        }
        return out.toString();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket node = new Socket();
                node.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000);
                Link link = new Link(client, node);
                links.add(link);
                pump(link, client.getInputStream(), node.getOutputStream(), false);
                pump(link, node.getInputStream(), client.getOutputStream(), true);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Link link, InputStream in, OutputStream out, boolean fromNode) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!severed) {
                        out.write(buf, 0, n);
                        out.flush();
                    } else if (fromNode) {
                        synchronized (link.afterCut) {
                            link.afterCut.write(buf, 0, n);
                        }
                    }
                }
                if (fromNode) {
                    link.nodeClosed = true;
                }
                if (!severed) {
                    out.close(); // an orderly end crosses while the link is up
                }
            } catch (IOException e) {
                if (fromNode) {
                    link.nodeClosed = true;
                }
            }
        }, "severable-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Link l : links) {
            try {
                l.client.close();
                l.node.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
