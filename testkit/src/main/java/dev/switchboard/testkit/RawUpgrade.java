package dev.switchboard.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A WebSocket upgrade with the request sent byte for byte: targets no URI class accepts (a malformed escape
 * such as {@code %zz}), extra headers (Origin, X-Forwarded-For), bytes before the request (a PROXY protocol
 * header). Reports the status line, the response headers and body, and the frames the server sends.
 */
public final class RawUpgrade implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final String statusLine;
    private final Map<String, String> headers;

    private RawUpgrade(Socket socket, DataInputStream in, String statusLine, Map<String, String> headers) {
        this.socket = socket;
        this.in = in;
        this.statusLine = statusLine;
        this.headers = headers;
    }

    public static RawUpgrade open(int port, String target) throws IOException {
        return open(port, target, new byte[0]);
    }

    /**
     * @param prefix      bytes sent before the request (a PROXY protocol header), or none
     * @param headerLines extra request header lines, e.g. {@code "Origin: https://app.example.com"}
     */
    public static RawUpgrade open(int port, String target, byte[] prefix, String... headerLines) throws IOException {
        return open(port, target, 0, prefix, headerLines);
    }

    /**
     * A client whose socket receive buffer is {@code receiveBufferBytes}, set before it connects so that the TCP
     * window stays that small: one that does not read is full after a few KiB, and what else the server sends
     * for it waits in the server.
     */
    public static RawUpgrade openSmallWindow(int port, String target, int receiveBufferBytes, String... headerLines)
            throws IOException {
        return open(port, target, receiveBufferBytes, new byte[0], headerLines);
    }

    /**
     * {@code count} upgrades at once, each on a socket with a receive buffer of {@code receiveBufferBytes} (0:
     * the system's): every request is sent before any answer is read, so many connections cost the server's
     * work, not a round trip each on a busy machine. A socket the server refused at accept (reset before its
     * answer was read) is left out; the others are in order, whatever their status.
     */
    public static java.util.List<RawUpgrade> openMany(int port, String target, int count, int receiveBufferBytes)
            throws IOException {
        java.util.List<Socket> sent = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            sent.add(connectAndAsk(port, target, receiveBufferBytes, new byte[0]));
        }
        java.util.List<RawUpgrade> opened = new java.util.ArrayList<>(count);
        for (Socket s : sent) {
            try {
                opened.add(answered(s));
            } catch (java.net.SocketException resetAtAccept) {
                s.close();
            }
        }
        return opened;
    }

    private static RawUpgrade open(int port, String target, int receiveBufferBytes, byte[] prefix,
                                   String... headerLines) throws IOException {
        return answered(connectAndAsk(port, target, receiveBufferBytes, prefix, headerLines));
    }

    private static Socket connectAndAsk(int port, String target, int receiveBufferBytes, byte[] prefix,
                                        String... headerLines) throws IOException {
        Socket s = new Socket();
        if (receiveBufferBytes > 0) {
            s.setReceiveBufferSize(receiveBufferBytes);
        }
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout((int) WsClient.PATIENCE.toMillis());
        StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("\r\n");
        s.getOutputStream().write(prefix);
        s.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    private static RawUpgrade answered(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        String status = RawHttp.line(in);
        Map<String, String> headers = new HashMap<>();
        for (String line = RawHttp.line(in); !line.isEmpty(); line = RawHttp.line(in)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return new RawUpgrade(s, in, status, headers);
    }

    /** The status line, e.g. {@code HTTP/1.1 101 Switching Protocols}; empty if the server closed first. */
    public String statusLine() {
        return statusLine;
    }

    /** A response header (any case), or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The body of a response that refused the upgrade, as its Content-Length says. */
    public String body() throws IOException {
        byte[] body = new byte[Integer.parseInt(header("content-length"))];
        in.readFully(body);
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The next frame the server sends, as "opcode:payload" (a close frame's payload as "code reason"). */
    public String nextFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int len = in.readUnsignedByte() & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = (int) in.readLong();
        }
        byte[] payload = new byte[len];
        in.readFully(payload);
        int opcode = b0 & 0x0F;
        if (opcode == 8 && len >= 2) {
            int code = (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF);
            return "8:" + code + " " + new String(payload, 2, len - 2, StandardCharsets.UTF_8);
        }
        return opcode + ":" + new String(payload, StandardCharsets.UTF_8);
    }

    /** How long a read waits before it fails ({@link WsClient#PATIENCE} unless set). */
    public RawUpgrade timeout(java.time.Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        return this;
    }

    /** Writes bytes as they are, frame framing and masking included. */
    public void sendRaw(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** Whether the server ended the connection with a FIN (the next read sees end of stream) within the timeout. */
    public boolean endsCleanly() throws IOException {
        return in.read() == -1;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
