package dev.switchboard.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket upgrade with the request target sent byte for byte, for targets no URI class accepts (a
 * malformed escape such as {@code %zz}): reports the status line and the first frame the server sends.
 */
public final class RawUpgrade implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final String statusLine;

    private RawUpgrade(Socket socket, DataInputStream in, String statusLine) {
        this.socket = socket;
        this.in = in;
        this.statusLine = statusLine;
    }

    public static RawUpgrade open(int port, String target) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(5000);
        String request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        DataInputStream in = new DataInputStream(s.getInputStream());
        String status = line(in);
        while (!line(in).isEmpty()) {
            // headers
        }
        return new RawUpgrade(s, in, status);
    }

    public String statusLine() {
        return statusLine;
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

    /** Writes bytes as they are, frame framing and masking included. */
    public void sendRaw(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** Whether the server ended the connection with a FIN (the next read sees end of stream) within the timeout. */
    public boolean endsCleanly() throws IOException {
        return in.read() == -1;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
