package dev.switchboard.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 responses read off a plain socket, for tests that write requests byte for byte (pipelined, trickled,
 * on a socket that later becomes a WebSocket) where no HTTP client would do.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /**
     * Reads one whole response: its status line and headers (each line ended by {@code \n}, the blank line that
     * ends them included) and the body its Content-Length gives (none without one, as for a {@code 101}).
     */
    public static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int length = 0;
        String line;
        while (!(line = line(in)).isEmpty()) {
            head.append(line).append('\n');
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head.append('\n') + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** One line without its CR LF; empty at the end of the stream. */
    public static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
