package dev.switchboard.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PartialMessageTest {
    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void joinsFragmentsUpToTheLimitInclusive() {
        ByteBuf first = text("hello ");
        PartialMessage m = new PartialMessage(UnpooledByteBufAllocator.DEFAULT, first, false, 11);
        try {
            assertThat(m.append(first)).isTrue();
            assertThat(m.append(text("world"))).as("exactly the limit").isTrue();
            assertThat(m.content().toString(StandardCharsets.UTF_8)).isEqualTo("hello world");
            assertThat(m.binary()).isFalse();
        } finally {
            m.release();
        }
    }

    @Test
    void refusesAFragmentThatWouldPassTheLimitAndKeepsWhatItHad() {
        ByteBuf first = text("abc");
        PartialMessage m = new PartialMessage(UnpooledByteBufAllocator.DEFAULT, first, true, 5);
        try {
            assertThat(m.append(first)).isTrue();
            assertThat(m.append(text("def"))).isFalse();
            assertThat(m.content().toString(StandardCharsets.UTF_8)).isEqualTo("abc");
            assertThat(m.binary()).isTrue();
        } finally {
            m.release();
        }
        assertThat(m.content().refCnt()).isZero();
    }
}
