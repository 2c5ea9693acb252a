package dev.switchboard.deploy;

import dev.switchboard.support.ProjectFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files under deploy/ as the tests run them. A test changes only what differs between the compose network
 * and loopback — the addresses — and fails when a file no longer has the shape the rewrite expects, so a
 * changed file is never run half-rewritten.
 */
final class DeployFiles {
    /** An upstream server of the shipped nginx file: {@code server node1:8080 …;}. */
    static final Pattern NGINX_UPSTREAM = Pattern.compile("(?m)^(\\s*server\\s+)(node\\d+):(\\d+)\\b");
    /** Its listen directive: {@code listen 80;}. */
    static final Pattern NGINX_LISTEN = Pattern.compile("(?m)^(\\s*listen\\s+)(\\d+)\\s*;");

    private DeployFiles() {
    }

    static Path path(String relative) {
        return ProjectFiles.root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * deploy/nginx/switchboard.conf with its upstream servers, in order, replaced by the nodes on loopback at
     * {@code nodePorts}, and its listen port by {@code {{port}}} on 127.0.0.1 (see {@code Nginx.start}).
     */
    static String nginxFor(List<Integer> nodePorts) {
        String conf = read("deploy/nginx/switchboard.conf");
        Matcher upstream = NGINX_UPSTREAM.matcher(conf);
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (upstream.find()) {
            if (i == nodePorts.size()) {
                throw new IllegalStateException("deploy/nginx/switchboard.conf has more upstream servers than " + nodePorts);
            }
            upstream.appendReplacement(out, "$1127.0.0.1:" + nodePorts.get(i++));
        }
        upstream.appendTail(out);
        if (i != nodePorts.size()) {
            throw new IllegalStateException("deploy/nginx/switchboard.conf has " + i + " upstream servers, not " + nodePorts.size());
        }
        Matcher listen = NGINX_LISTEN.matcher(out);
        String rewritten = listen.replaceAll("$1127.0.0.1:{{port}};");
        if (rewritten.split("\\{\\{port}}", -1).length != 2) {
            throw new IllegalStateException("deploy/nginx/switchboard.conf should have exactly one 'listen <port>;'");
        }
        return rewritten;
    }
}
