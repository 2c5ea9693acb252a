package dev.switchboard.dialect.ywebrtc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.dialect.JsonLimits;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The y-webrtc reader and writer alone: which frames mean what, and the exact bytes of a relayed publish. */
class YWebrtcReaderWriterTest {
    private final YWebrtcReader reader = new YWebrtcReader(JsonLimits.factory(32, 64 * 1024));

    private YWebrtcMessage read(String json) {
        return reader.read(json.getBytes(StandardCharsets.UTF_8));
    }

    private String relay(String json, int clients) {
        YWebrtcMessage m = read(json);
        assertThat(m).isInstanceOf(YWebrtcMessage.Publish.class);
        return new String(YWebrtcWriter.publish((YWebrtcMessage.Publish) m, clients), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"type\":\"publish\",\"topic\":\"r\"}|{\"type\":\"publish\",\"topic\":\"r\",\"clients\":3}",
        "{\"type\":\"publish\",\"topic\":\"r\",\"clients\":99,\"x\":1}|{\"type\":\"publish\",\"topic\":\"r\",\"clients\":3,\"x\":1}",
        "{\"clients\":null,\"type\":\"publish\",\"topic\":\"r\"}|{\"clients\":3,\"type\":\"publish\",\"topic\":\"r\"}",
        "{\"type\":\"publish\",\"topic\":\"r\",\"clients\":{\"a\":[1,2]}}|{\"type\":\"publish\",\"topic\":\"r\",\"clients\":3}",
        "{\"type\":\"publish\",\"clients\":1,\"topic\":\"r\",\"clients\":2}|{\"type\":\"publish\",\"clients\":3,\"topic\":\"r\",\"clients\":3}",
        "{ \"type\" : \"publish\" , \"topic\" : \"r\" }|{ \"type\" : \"publish\" , \"topic\" : \"r\",\"clients\":3 }",
        "{\"type\":\"publish\",\"topic\":\"r\",\"clients\" : 5 , \"z\":0}|{\"type\":\"publish\",\"topic\":\"r\",\"clients\" : 3 , \"z\":0}",
        "{\"type\":\"publish\",\"topic\":\"r\",\"n\":1714300000000.6282,\"e\":1E+2,\"u\":\"\\u00e9\\/\"}|{\"type\":\"publish\",\"topic\":\"r\",\"n\":1714300000000.6282,\"e\":1E+2,\"u\":\"\\u00e9\\/\",\"clients\":3}",
        "{\"type\":\"publish\",\"topic\":\"r\",\"data\":{\"clients\":1}}|{\"type\":\"publish\",\"topic\":\"r\",\"data\":{\"clients\":1},\"clients\":3}",
    })
    void publishIsRelayedByteForByteWithClientsSet(String in, String out) {
        assertThat(relay(in, 3)).isEqualTo(out);
    }

    @Test
    void lastTypeAndTopicWinLikeJsonParse() {
        assertThat(read("{\"type\":\"ping\",\"type\":\"publish\",\"topic\":\"a\",\"topic\":\"b\"}"))
                .isInstanceOfSatisfying(YWebrtcMessage.Publish.class, p -> assertThat(p.topic()).isEqualTo("b"));
    }

    @Test
    void subscribeKeepsStringTopicsOnly() {
        assertThat(read("{\"type\":\"subscribe\",\"topics\":[\"a\",1,[\"x\"],{\"b\":2},null,\"c\"]}"))
                .isEqualTo(new YWebrtcMessage.Subscribe(java.util.List.of("a", "c")));
        assertThat(read("{\"type\":\"subscribe\"}")).isEqualTo(new YWebrtcMessage.Subscribe(java.util.List.of()));
        assertThat(read("{\"type\":\"subscribe\",\"topics\":0}")).isEqualTo(new YWebrtcMessage.Subscribe(java.util.List.of()));
        assertThat(read("{\"type\":\"unsubscribe\",\"topics\":[\"a\"]}")).isEqualTo(new YWebrtcMessage.Unsubscribe(java.util.List.of("a")));
        assertThat(read("{\"type\":\"ping\",\"x\":[1,{\"y\":2}]}")).isInstanceOf(YWebrtcMessage.Ping.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "[]", "null", "1", "\"s\"", "{", "{\"type\":\"publish\",\"topic\":\"r\"}}",
        "{\"type\":\"publish\",\"topic\":\"r\"} {}", "{\"type\":1}", "{\"type\":\"publish\"}", "{\"type\":\"publish\",\"topic\":\"\"}",
        "{\"type\":\"publish\",\"topic\":null}", "{\"type\":\"subscribe\",\"topics\":\"abc\"}", "{\"type\":\"unsubscribe\",\"topics\":{\"a\":1}}",
        "{\"type\":\"subscribe\",\"topics\":true}", "{\"type\":\"nope\"}", "{\"topic\":\"r\"}", "{'type':'ping'}", "{\"type\":\"ping\",}"})
    void everythingElseIsIgnored(String frame) {
        assertThat(read(frame)).isInstanceOf(YWebrtcMessage.Ignored.class);
    }

    @Test
    void nestingDeeperThanTheLimitIsIgnored() {
        String ok = "{\"type\":\"publish\",\"topic\":\"r\",\"d\":" + "[".repeat(30) + "]".repeat(30) + "}";
        String deep = "{\"type\":\"publish\",\"topic\":\"r\",\"d\":" + "[".repeat(32) + "]".repeat(32) + "}";
        assertThat(read(ok)).isInstanceOf(YWebrtcMessage.Publish.class);
        assertThat(read(deep)).isInstanceOf(YWebrtcMessage.Ignored.class);
    }
}
