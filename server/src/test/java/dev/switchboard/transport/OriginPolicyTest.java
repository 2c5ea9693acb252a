package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OriginPolicyTest {
    @Test
    void withoutAListEveryOriginAndNoOriginPass() {
        assertThat(OriginPolicy.ANY.allows("https://anything.example")).isTrue();
        assertThat(OriginPolicy.ANY.allows(null)).isTrue();
        assertThat(OriginPolicy.parse(null, true).allows(null)).isFalse();
        assertThat(OriginPolicy.parse("", true).allows("https://x.example")).isTrue();
    }

    @Test
    void exactOriginsMatchSchemeHostAndPortIgnoringCase() {
        OriginPolicy p = OriginPolicy.parse("https://app.example.com, http://localhost:3000", false);
        assertThat(p.allows("https://app.example.com")).isTrue();
        assertThat(p.allows("HTTPS://App.Example.com")).isTrue();
        assertThat(p.allows("http://localhost:3000")).isTrue();
        assertThat(p.allows("http://app.example.com")).as("scheme").isFalse();
        assertThat(p.allows("https://app.example.com:8443")).as("port").isFalse();
        assertThat(p.allows("http://localhost:3001")).isFalse();
        assertThat(p.allows("https://app.example.com.evil.net")).isFalse();
        assertThat(p.allows("null")).as("an opaque origin").isFalse();
        assertThat(p.allows(null)).as("no Origin: a native client").isTrue();
    }

    @Test
    void aWildcardStandsForOneOrMoreLabels() {
        OriginPolicy p = OriginPolicy.parse("https://*.example.com", false);
        assertThat(p.allows("https://app.example.com")).isTrue();
        assertThat(p.allows("https://a.b.example.com")).isTrue();
        assertThat(p.allows("https://example.com")).as("no label").isFalse();
        assertThat(p.allows("https://evilexample.com")).isFalse();
        assertThat(p.allows("http://app.example.com")).as("scheme").isFalse();
        assertThat(p.allows("https://app.example.com:444")).as("port").isFalse();
        assertThat(p.allows("https://app.example.com.evil.net")).isFalse();
        OriginPolicy withPort = OriginPolicy.parse("https://*.example.com:8443", true);
        assertThat(withPort.allows("https://app.example.com:8443")).isTrue();
        assertThat(withPort.allows("https://app.example.com")).isFalse();
        assertThat(withPort.allows(null)).isFalse();
    }

    @Test
    void entriesThatAreNotOriginsAreRefusedByName() {
        assertThatThrownBy(() -> OriginPolicy.parse("https://ok.example, app.example.com", false))
                .hasMessage("not an origin (scheme://host[:port]): app.example.com");
        assertThatThrownBy(() -> OriginPolicy.parse("https://app.example.com/path", false))
                .hasMessageContaining("https://app.example.com/path");
        assertThatThrownBy(() -> OriginPolicy.parse("https://user@app.example.com", false))
                .hasMessageContaining("user@");
    }
}
