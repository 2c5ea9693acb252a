package dev.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrantsTest {
    @Test
    void aStarStandsForAnyRunOfCharacters() {
        assertThat(Grants.matches("team-*", "team-a")).isTrue();
        assertThat(Grants.matches("team-*", "team-")).isTrue();
        assertThat(Grants.matches("team-*", "team")).isFalse();
        assertThat(Grants.matches("*-room", "blue-room")).isTrue();
        assertThat(Grants.matches("a*b*c", "aXXbYYbc")).isTrue();
        assertThat(Grants.matches("a*b*c", "aXXbYYbd")).isFalse();
        assertThat(Grants.matches("*", "")).isTrue();
        assertThat(Grants.matches("lobby", "lobby")).isTrue();
        assertThat(Grants.matches("lobby", "lobby2")).isFalse();
        assertThat(Grants.matches("", "")).isTrue();
        // many stars on a long value stay fast: no regular expression, no exponential backtracking
        assertThat(Grants.matches("*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(10_000))).isFalse();
    }

    @Test
    void withoutTheClaimEverythingIsGrantedWithItOnlyWhatItLists() {
        Grants all = Grants.of(Map.of("sub", "x"));
        assertThat(all.room("any")).isTrue();
        assertThat(all.worker(7)).isTrue();
        Grants some = Grants.of(Map.of(Grants.CLAIM, Map.of("rooms", List.of("team-*"), "workers", List.of("4*"))));
        assertThat(some.room("team-1")).isTrue();
        assertThat(some.room("lobby")).isFalse();
        assertThat(some.worker(42)).isTrue();
        assertThat(some.worker(7)).isFalse();
        assertThat(some.name("alice")).as("a list left out grants nothing").isFalse();
        assertThat(some.reach(42)).isFalse();
    }

    @Test
    void aClaimOfAnotherShapeIsRefused() {
        assertThatThrownBy(() -> Grants.of(Map.of(Grants.CLAIM, "everything")))
                .hasMessage("the switchboard claim must be an object");
        assertThatThrownBy(() -> Grants.of(Map.of(Grants.CLAIM, Map.of("rooms", "lobby"))))
                .hasMessage("grant rooms must be a list of strings");
        assertThatThrownBy(() -> Grants.of(Map.of(Grants.CLAIM, Map.of("rooms", List.of(1)))))
                .hasMessage("grant rooms must be a list of strings");
        assertThatThrownBy(() -> Grants.of(Map.of(Grants.CLAIM, Map.of("topics", List.of("a")))))
                .hasMessage("unknown grant topics");
    }
}
