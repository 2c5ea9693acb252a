package com.example.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.SwitchboardExtension;
import dev.switchboard.testkit.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What an application's test looks like: a real node, real WebSocket clients, the y-webrtc wire format. */
class SignalingTest {
    @RegisterExtension
    static final SwitchboardExtension node = new SwitchboardExtension();

    @Test
    void aPublishReachesTheOtherSubscriberOfTheTopic() {
        try (WsClient alice = WsClient.connect(node.port(), "/");
                WsClient bob = WsClient.connect(node.port(), "/")) {
            alice.send("{\"type\":\"subscribe\",\"topics\":[\"room-1\"]}");
            bob.send("{\"type\":\"subscribe\",\"topics\":[\"room-1\"]}");
            // a ping answered means the subscribe before it was handled: the server reads a socket in order
            alice.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", alice.next());
            bob.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", bob.next());

            alice.send("{\"type\":\"publish\",\"topic\":\"room-1\",\"data\":{\"sdp\":\"v=0\"}}");

            // y-webrtc sends a publish to every subscriber of the topic, the sender included, with their count
            String expected = "{\"type\":\"publish\",\"topic\":\"room-1\",\"data\":{\"sdp\":\"v=0\"},\"clients\":2}";
            assertEquals(expected, bob.next());
            assertEquals(expected, alice.next());
        }
    }

    @Test
    void theHealthDocumentSaysTheNodeIsUp() {
        var health = Http.get(node.port(), "/health");
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("\"status\":\"healthy\""), health.body());
    }
}
