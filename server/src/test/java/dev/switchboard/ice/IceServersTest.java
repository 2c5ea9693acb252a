package dev.switchboard.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class IceServersTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);

    @Test
    void turnCredentialsFollowTheTurnRestApiScheme() {
        IceServers ice = IceServers.of("turn:127.0.0.1:3478", "north".getBytes(StandardCharsets.UTF_8),
                Duration.ofHours(1), CLOCK);
        IceServers.Credentials c = ice.credentials("alice");
        assertThat(c.username()).isEqualTo("1700003600:alice");
        // printf '1700003600:alice' | openssl dgst -sha1 -hmac north -binary | base64
        assertThat(c.credential()).isEqualTo("wjwSXO2ch1B6VaLTLMy2Avn5O9o=");
    }

    @Test
    void theListHasTheShapeOfRtcConfigurationIceServers() {
        IceServers ice = IceServers.of("stun:stun.example.com:3478, turn:turn.example.com?transport=tcp,turns:turn.example.com:5349",
                "north".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(10), CLOCK);
        assertThat(ice.json("bob")).isEqualTo("[{\"urls\":[\"stun:stun.example.com:3478\"]},{\"urls\":"
                + "[\"turn:turn.example.com?transport=tcp\",\"turns:turn.example.com:5349\"],\"username\":"
                + "\"1700000600:bob\",\"credential\":\"" + ice.credentials("bob").credential() + "\"}]");
        assertThat(IceServers.of("stun:a.example", null, Duration.ZERO, CLOCK).json("x"))
                .isEqualTo("[{\"urls\":[\"stun:a.example\"]}]");
        assertThat(IceServers.of("", null, Duration.ZERO).isEmpty()).isTrue();
    }

    @Test
    void entriesThatAreNotStunOrTurnUrlsAreRefusedByName() {
        assertThatThrownBy(() -> IceServers.of("stun:ok.example,https://turn.example", null, Duration.ZERO))
                .hasMessage("not a STUN or TURN URL: https://turn.example");
        assertThatThrownBy(() -> IceServers.of("turn:", null, Duration.ZERO)).hasMessage("not a STUN or TURN URL: turn:");
        assertThatThrownBy(() -> IceServers.of("turn:a\"b", null, Duration.ZERO)).hasMessageContaining("a\"b");
    }
}
