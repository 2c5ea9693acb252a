package dev.switchboard.bench.internal;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The gRPC client/worker messages on the wire, written and read by hand: {@code WorkerRtcMessage} and
 * {@code ClientRtcMessage} have the same four fields (1 worker_machine_id, int64; 2 event, enum; 3 message,
 * bytes; 4 client_id, string), so one encoding serves both. The generator needs no generated classes (it
 * knows nothing of the server's build) and makes no message objects: a call carries raw bytes.
 */
public final class RtcWire {
    public static final int BLANK = 5;
    public static final int PING = 6;
    public static final int ICE_CANDIDATE = 3;
    public static final int OFFER = 0;

    private RtcWire() {
    }

    /** The bidirectional method {@code service} ("WorkerService" or "ClientService") streams raw messages over. */
    public static MethodDescriptor<byte[], byte[]> method(String service) {
        MethodDescriptor.Marshaller<byte[]> raw = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName("switchboard.rtc.v1." + service + "/NegotiatePeerConnection")
                .setRequestMarshaller(raw).setResponseMarshaller(raw).build();
    }

    /** A message: {@code message} and {@code clientId} may be null (left out). */
    public static byte[] encode(long workerId, int event, byte[] message, String clientId) {
        byte[] id = clientId == null ? null : clientId.getBytes(StandardCharsets.UTF_8);
        int size = 1 + varintSize(workerId) + 1 + varintSize(event)
                + (message == null ? 0 : 1 + varintSize(message.length) + message.length)
                + (id == null ? 0 : 1 + varintSize(id.length) + id.length);
        byte[] out = new byte[size];
        int at = 0;
        out[at++] = 0x08;
        at = varint(out, at, workerId);
        out[at++] = 0x10;
        at = varint(out, at, event);
        if (message != null) {
            out[at++] = 0x1A;
            at = varint(out, at, message.length);
            System.arraycopy(message, 0, out, at, message.length);
            at += message.length;
        }
        if (id != null) {
            out[at++] = 0x22;
            at = varint(out, at, id.length);
            System.arraycopy(id, 0, out, at, id.length);
        }
        return out;
    }

    /** What the generator reads of a received message; {@code messageAt} is -1 when it has none. */
    public record Read(int event, int messageAt, int messageLength, String clientId) {
    }

    /**
     * Reads the fields of {@code m}.
     *
     * @throws IllegalArgumentException when the bytes are not such a message
     */
    public static Read read(byte[] m) {
        int event = 0;
        int messageAt = -1;
        int messageLength = 0;
        String clientId = null;
        int[] at = {0};
        while (at[0] < m.length) {
            int tag = (int) readVarint(m, at);
            int field = tag >>> 3;
            switch (tag & 7) {
                case 0 -> {
                    long v = readVarint(m, at);
                    if (field == 2) {
                        event = (int) v;
                    }
                }
                case 2 -> {
                    int len = (int) readVarint(m, at);
                    if (len < 0 || at[0] + len > m.length) {
                        throw new IllegalArgumentException("a field past the message's end");
                    }
                    if (field == 3) {
                        messageAt = at[0];
                        messageLength = len;
                    } else if (field == 4) {
                        clientId = new String(m, at[0], len, StandardCharsets.UTF_8);
                    }
                    at[0] += len;
                }
                default -> throw new IllegalArgumentException("unexpected wire type " + (tag & 7));
            }
        }
        return new Read(event, messageAt, messageLength, clientId);
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static int varint(byte[] out, int at, long v) {
        while ((v & ~0x7FL) != 0) {
            out[at++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[at++] = (byte) v;
        return at;
    }

    private static long readVarint(byte[] m, int[] at) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= m.length) {
                throw new IllegalArgumentException("a varint past the message's end");
            }
            byte b = m[at[0]++];
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("a varint over 10 bytes");
    }
}
