package dev.switchboard.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The text-frame UTF-8 check against the JDK's strict decoder: both accept exactly the same byte strings. The
 * message starts at a fuzzed offset inside the buffer, so the eight-bytes-at-a-time ASCII path meets every
 * alignment and every kind of tail.
 */
class Utf8FuzzTest {

    @FuzzTest
    void agreesWithTheJdkDecoder(FuzzedDataProvider data) {
        int offset = data.consumeInt(0, 15);
        byte[] message = data.consumeRemainingAsBytes();
        ByteBuf buf = Unpooled.buffer(offset + message.length);
        try {
            buf.writeZero(offset).writeBytes(message).readerIndex(offset);
            assertEquals(jdkAccepts(message), Utf8.isValid(buf), "Utf8.isValid and the JDK disagree");
        } finally {
            buf.release();
        }
    }

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
