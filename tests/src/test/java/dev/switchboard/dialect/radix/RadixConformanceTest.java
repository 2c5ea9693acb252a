package dev.switchboard.dialect.radix;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.core.bus.InMemoryBus;
import dev.switchboard.core.bus.InMemoryNetwork;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Radix Connect pairing over real sockets: the compatibility checklist of
 * docs/protocols/radix-connect.md#compatibility-checklist and every bad input, with exact bytes.
 */
class RadixConformanceTest {
    private static final String ID = "de0ced0c3e25f3d8b3a4e0c9b0d6f1a2b3c4d5e6f708192a3b4c5d6e7f809102";
    private static final Duration QUIET = Duration.ofMillis(300);
    private final ObjectMapper json = new ObjectMapper();
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private WsClient connect(String source, String target) {
        return connect(node, ID, source, target);
    }

    private static WsClient connect(Switchboard at, String id, String source, String target) {
        return WsClient.connect(at.port(), "/" + id + "?target=" + target + "&source=" + source);
    }

    private String idFrom(String notice) throws Exception {
        return json.readTree(notice).get("remoteClientId").asText();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/abc?target=wallet&source=extension|missing connectionId in path",
        "/" + ID + "/?target=wallet&source=extension|missing connectionId in path",
        "//" + ID + "?target=wallet&source=extension|missing connectionId in path",
        "/" + ID + "|missing target",
        "/" + ID + "?source=extension|missing target",
        "/" + ID + "?target=&source=extension|missing target",
        "/" + ID + "?target=phone&source=extension|invalid target",
        "/" + ID + "?target=wallet|missing source",
        "/" + ID + "?target=wallet&source=phone|invalid source",
        "/" + ID + "?target=wallet&source=wallet|source and target needs to be different",
        // URLSearchParams splits on & only: this target is "wallet;source=extension"
        "/" + ID + "?target=wallet;source=extension|invalid target",
    })
    void badUrlsAreClosedWith1003AndTheExactReason(String path, String reason) {
        try (WsClient c = WsClient.connect(node.port(), path)) {
            assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(new WsClient.CloseStatus(1003, reason));
        }
    }

    @Test
    void aMalformedEscapeIsKeptAsWrittenAndGetsItsReason() throws Exception {
        try (var c = dev.switchboard.testkit.RawUpgrade.open(node.port(), "/" + ID + "?target=%zz&source=extension")) {
            assertThat(c.statusLine()).startsWith("HTTP/1.1 101");
            assertThat(c.nextFrame()).isEqualTo("8:1003 invalid target");
        }
    }

    @Test
    void upperCaseHexIsAcceptedAndIsAnotherPairing() {
        try (WsClient upper = connect(node, ID.toUpperCase(), "wallet", "extension");
             WsClient lower = connect(node, ID, "extension", "wallet")) {
            assertThat(lower.poll(QUIET)).isNull(); // different keys, as upstream: they never meet
            assertThat(upper.isOpen()).isTrue();
        }
    }

    @Test
    void bothSidesAreToldOfEachOther() throws Exception {
        try (WsClient extension = connect("extension", "wallet")) {
            assertThat(extension.poll(QUIET)).isNull(); // nobody there yet: nothing is sent
            try (WsClient wallet = connect("wallet", "extension")) {
                String already = wallet.next();
                assertThat(already).startsWith("{\"info\":\"remoteClientIsAlreadyConnected\",\"remoteClientId\":\"");
                String just = extension.next();
                assertThat(just).startsWith("{\"info\":\"remoteClientJustConnected\",\"remoteClientId\":\"");
                String extensionId = idFrom(already);
                String walletId = idFrom(just);
                assertThat(extensionId).isNotEqualTo(walletId);
                // a second wallet: the extension hears of it, the first wallet does not (same role)
                try (WsClient wallet2 = connect("wallet", "extension")) {
                    assertThat(idFrom(wallet2.next())).isEqualTo(extensionId);
                    assertThat(extension.next()).startsWith("{\"info\":\"remoteClientJustConnected\"");
                    assertThat(wallet.poll(QUIET)).isNull();
                }
                assertThat(extension.next()).startsWith("{\"info\":\"remoteClientDisconnected\"");
            }
            String gone = extension.next();
            assertThat(gone).startsWith("{\"info\":\"remoteClientDisconnected\",\"remoteClientId\":\"");
        }
    }

    @Test
    void validEnvelopeIsRelayedWholeAndConfirmed() throws Exception {
        try (WsClient extension = connect("extension", "wallet"); WsClient wallet = connect("wallet", "extension")) {
            String extensionId = idFrom(wallet.next());
            String walletId = idFrom(extension.next());
            String offer = "{\"requestId\":\"5f0c\",\"method\":\"offer\",\"source\":\"wallet\",\"connectionId\":\"" + ID
                    + "\",\"targetClientId\":\"" + extensionId + "\",\"encryptedPayload\":\"8ab7\",\"extra\":[1,2.50]}";
            wallet.send(offer);
            assertThat(extension.next()).isEqualTo("{\"info\":\"remoteData\",\"data\":" + offer
                    + ",\"remoteClientId\":\"" + walletId + "\",\"requestId\":\"5f0c\"}");
            assertThat(wallet.next()).isEqualTo("{\"info\":\"confirmation\",\"requestId\":\"5f0c\"}");
            // the iOS wallet sends only the four required fields; a binary frame is read like text
            String answer = "{\"requestId\":\"r2\",\"targetClientId\":\"" + walletId + "\",\"encryptedPayload\":\"ff\",\"method\":\"answer\"}";
            extension.sendBinary(answer.getBytes(StandardCharsets.UTF_8));
            assertThat(wallet.next()).isEqualTo("{\"info\":\"remoteData\",\"data\":" + answer
                    + ",\"remoteClientId\":\"" + extensionId + "\",\"requestId\":\"r2\"}");
            assertThat(extension.next()).isEqualTo("{\"info\":\"confirmation\",\"requestId\":\"r2\"}");
        }
    }

    @Test
    void onlyTheOtherSideOfTheSamePairingCanBeReached() throws Exception {
        String otherId = "a".repeat(64);
        try (WsClient extension = connect("extension", "wallet"); WsClient wallet = connect("wallet", "extension");
             WsClient wallet2 = connect("wallet", "extension"); WsClient stranger = connect(node, otherId, "extension", "wallet")) {
            String extensionId = idFrom(wallet.next());
            String walletId = idFrom(extension.next());
            wallet2.next();
            extension.next();
            String template = "{\"requestId\":\"q\",\"method\":\"iceCandidate\",\"targetClientId\":\"%s\",\"encryptedPayload\":\"00\"}";
            String missing = "{\"info\":\"missingRemoteClientError\",\"requestId\":\"q\"}";
            wallet.send(String.format(template, "no-such-id"));
            assertThat(wallet.next()).isEqualTo(missing);
            wallet.send(String.format(template, walletId)); // itself
            assertThat(wallet.next()).isEqualTo(missing);
            wallet2.send(String.format(template, walletId)); // same role
            assertThat(wallet2.next()).isEqualTo(missing);
            stranger.send(String.format(template, walletId)); // another connectionId
            assertThat(stranger.next()).isEqualTo(missing);
            assertThat(extension.poll(QUIET)).isNull();
            wallet.send(String.format(template, extensionId));
            assertThat(extension.next()).startsWith("{\"info\":\"remoteData\"");
        }
    }

    @Test
    void notJsonGetsInvalidMessageErrorWithTheRawText() {
        try (WsClient c = connect("wallet", "extension")) {
            c.send("hello \"world\"\n");
            assertThat(c.next()).isEqualTo("{\"info\":\"invalidMessageError\",\"data\":\"hello \\\"world\\\"\\n\","
                    + "\"error\":\"invalid message format, expected JSON\"}");
            assertThat(c.isOpen()).isTrue();
        }
    }

    @Test
    void emptyObjectGetsTheFourZodIssuesInZodsOrder() throws Exception {
        try (WsClient c = connect("wallet", "extension")) {
            c.send("{}");
            String literal = "{\"issues\":[{\"code\":\"invalid_literal\",\"expected\":\"%s\",\"path\":[\"method\"],"
                    + "\"message\":\"Invalid literal value, expected \\\"%s\\\"\"}],\"name\":\"ZodError\"}";
            String union = "{\"code\":\"invalid_union\",\"unionErrors\":["
                    + String.format(literal, "offer", "offer") + "," + String.format(literal, "answer", "answer") + ","
                    + String.format(literal, "iceCandidate", "iceCandidate") + ","
                    + String.format(literal, "iceCandidates", "iceCandidates")
                    + "],\"path\":[\"method\"],\"message\":\"Invalid input\"}";
            String required = "{\"code\":\"invalid_type\",\"expected\":\"string\",\"received\":\"undefined\",\"path\":[\"%s\"],\"message\":\"Required\"}";
            assertThat(c.next()).isEqualTo("{\"info\":\"validationError\",\"error\":["
                    + String.format(required, "requestId") + "," + String.format(required, "encryptedPayload") + ","
                    + String.format(required, "targetClientId") + "," + union + "]}");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "null|null", "[1]|array", "\"x\"|string", "7|number", "true|boolean"})
    void nonObjectsGetAValidationErrorWithoutRequestId(String frame, String received) {
        try (WsClient c = connect("wallet", "extension")) {
            c.send(frame);
            assertThat(c.next()).isEqualTo("{\"info\":\"validationError\",\"error\":[{\"code\":\"invalid_type\","
                    + "\"expected\":\"object\",\"received\":\"" + received + "\",\"path\":[],\"message\":\"Expected object, received "
                    + received + "\"}]}");
        }
    }

    @Test
    void requestIdIsEchoedWithItsOwnTypeAndWrongTypesAreNamed() throws Exception {
        try (WsClient c = connect("wallet", "extension")) {
            c.send("{\"requestId\":5,\"method\":\"offer\",\"targetClientId\":\"t\",\"encryptedPayload\":\"e\",\"startAt\":\"soon\",\"source\":\"phone\"}");
            JsonNode reply = json.readTree(c.next());
            assertThat(reply.get("info").asText()).isEqualTo("validationError");
            assertThat(reply.get("requestId").isInt()).isTrue();
            assertThat(reply.get("requestId").asInt()).isEqualTo(5);
            JsonNode errors = reply.get("error");
            assertThat(errors).hasSize(3);
            assertThat(errors.get(0).toString()).isEqualTo("{\"code\":\"invalid_type\",\"expected\":\"string\",\"received\":\"number\",\"path\":[\"requestId\"],\"message\":\"Expected string, received number\"}");
            assertThat(errors.get(1).get("path").get(0).asText()).isEqualTo("startAt");
            assertThat(errors.get(2).get("code").asText()).isEqualTo("invalid_union");
            assertThat(errors.get(2).get("path").get(0).asText()).isEqualTo("source");
        }
    }

    @Test
    void moreThanOneHundredFramesInASecondCloseWith1013() {
        try (WsClient c = connect("wallet", "extension"); WsClient other = connect("extension", "wallet")) {
            try {
                // The server counts frames in fixed one-second windows: 150 frames can straddle two windows and
                // leave neither over 100. Thousands cannot: whatever the pace, some window gets more than 100.
                for (int i = 0; i < 5000 && c.isOpen(); i++) {
                    c.send("{}");
                }
            } catch (Exception closedUnderUs) {
                // the server closed the socket while frames were still being written: expected here
            }
            WsClient.CloseStatus status = c.awaitClose(Duration.ofSeconds(5));
            assertThat(status).isEqualTo(new WsClient.CloseStatus(1013, "rate limit hit, slow down"));
            other.send("{}");
            assertThat(other.poll(Duration.ofSeconds(2))).isNotNull(); // others are unaffected
        }
    }

    @Test
    void framesOverSixteenKibibytesAreRefused() {
        try (WsClient c = connect("wallet", "extension")) {
            c.sendFrame(new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[16 * 1024 + 1])));
            assertThat(c.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1009);
        }
    }

    @Test
    void pairingWorksAcrossNodes() throws Exception {
        InMemoryNetwork network = new InMemoryNetwork();
        try (Switchboard a = Switchboard.start(TestNodes.config().build(), new InMemoryBus(network, "a"));
             Switchboard b = Switchboard.start(TestNodes.config().build(), new InMemoryBus(network, "b"));
             WsClient extension = connect(a, ID, "extension", "wallet");
             WsClient wallet = connect(b, ID, "wallet", "extension")) {
            String extensionId = idFrom(wallet.next());
            String walletId = idFrom(extension.next());
            wallet.send("{\"requestId\":\"x\",\"method\":\"offer\",\"targetClientId\":\"" + extensionId + "\",\"encryptedPayload\":\"p\"}");
            assertThat(extension.next()).contains("\"remoteClientId\":\"" + walletId + "\"");
            assertThat(wallet.next()).isEqualTo("{\"info\":\"confirmation\",\"requestId\":\"x\"}");
        }
    }
}
