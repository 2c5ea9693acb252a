package dev.switchboard.deploy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket upgrade from a chosen loopback address (127.0.0.2, …), so that a test can tell the client's address
 * from a proxy's: the test kit's clients all connect from 127.0.0.1, as nginx does.
 */
final class ForwardedClient {
    private ForwardedClient() {
    }

    /** Upgrades {@code path} on 127.0.0.1:{@code port} from {@code localAddress}; returns the first text message. */
    static String firstMessage(String localAddress, int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(s.getInputStream());
            String status = line(in);
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("no upgrade: " + status);
            }
            while (!line(in).isEmpty()) {
                // headers
            }
            int opcode = in.readUnsignedByte() & 0x0f;
            int length = in.readUnsignedByte() & 0x7f; // a server frame is unmasked; the echo is short
            if (opcode != 1 || length > 125) {
                throw new IOException("not a short text frame: opcode " + opcode + ", length " + length);
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private static String line(DataInputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }
}
