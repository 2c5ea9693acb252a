package dev.switchboard.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.dialect.Handshake;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request-target reader alone: URLSearchParams' rules, and never an exception. */
class RequestTargetTest {

    @Test
    void decodesPathAndQueryLikeUrlSearchParams() {
        Handshake h = RequestTarget.parse("/room/caf%C3%A9/websocket?a=1+2&b=x%26y&a=3&flag");
        assertThat(h.rawPath()).isEqualTo("/room/caf%C3%A9/websocket");
        assertThat(h.path()).isEqualTo("/room/café/websocket");
        assertThat(h.query().get("a")).isEqualTo(List.of("1 2", "3"));
        assertThat(h.param("b")).isEqualTo("x&y");
        assertThat(h.param("flag")).isEmpty();
    }

    @Test
    void malformedEscapesStayAsWrittenAndBadUtf8BecomesReplacement() {
        Handshake h = RequestTarget.parse("/%zz/%4?t=%zz%&u=%FF");
        assertThat(h.path()).isEqualTo("/%zz/%4");
        assertThat(h.param("t")).isEqualTo("%zz%");
        assertThat(h.param("u")).isEqualTo("\uFFFD");
    }

    @Test
    void onlyAmpersandSeparatesParametersAndTheFragmentIsIgnored() {
        Handshake h = RequestTarget.parse("/id?target=wallet;source=extension#frag");
        assertThat(h.param("target")).isEqualTo("wallet;source=extension");
        assertThat(h.hasParam("source")).isFalse();
        assertThat(RequestTarget.parse("?x=1").rawPath()).isEqualTo("/");
    }
}
