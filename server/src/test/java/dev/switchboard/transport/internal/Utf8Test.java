package dev.switchboard.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The UTF-8 check alone, against the byte sequences RFC 3629 allows and refuses. */
class Utf8Test {

    private static boolean valid(String hex) {
        return Utf8.isValid(Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex)));
    }

    @Test
    void acceptsEveryValidForm() {
        String text = "ascii only, long enough for the eight-byte path " + "é€𝄞 mixed in, then ascii again........";
        assertThat(Utf8.isValid(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)))).isTrue();
        assertThat(valid("c2a0")).isTrue();       // U+00A0
        assertThat(valid("e0a080")).isTrue();     // U+0800
        assertThat(valid("ed9fbf")).isTrue();     // U+D7FF
        assertThat(valid("f0908080")).isTrue();   // U+10000
        assertThat(valid("f48fbfbf")).isTrue();   // U+10FFFF
    }

    @Test
    void refusesWhatRfc3629Refuses() {
        assertThat(valid("c328")).isFalse();      // a lead byte without its continuation
        assertThat(valid("c0af")).isFalse();      // overlong '/'
        assertThat(valid("e080af")).isFalse();    // overlong, three bytes
        assertThat(valid("eda080")).isFalse();    // a surrogate
        assertThat(valid("f4908080")).isFalse();  // past U+10FFFF
        assertThat(valid("f5")).isFalse();
        assertThat(valid("80")).isFalse();        // a stray continuation byte
        assertThat(valid("4142434445464748ff")).isFalse(); // after a clean eight-byte run
        assertThat(valid("41e282")).isFalse();    // cut short at the end
    }
}
