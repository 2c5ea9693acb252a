package dev.switchboard.resume;

import static dev.switchboard.resume.ResumeCases.PATIENCE;
import static dev.switchboard.resume.ResumeCases.QUIET;
import static dev.switchboard.resume.ResumeCases.awaitParked;
import static dev.switchboard.resume.ResumeCases.quickNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.resume.ResumeCases.KilledNode;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.SeverableProxy;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Radix Connect resume by the token a socket asked for (docs/protocols/radix-connect.md#resume), over real
 * sockets: a wallet whose network drops comes back with its token within the window, on its node or on another
 * after its own was killed, keeps its client id, and gets what the extension sent meanwhile (which the
 * extension saw confirmed), in order, once; the extension sees no remoteClientDisconnected and no
 * remoteClientJustConnected. A wrong token is a new socket, as today; after the window the extension hears the
 * wallet leave; a socket that did not ask is not kept.
 */
class RadixResumeTest {
    private static final String CID = "ab".repeat(32);
    private static final Pattern RESUMABLE = Pattern.compile(
            "\\{\"info\":\"resumable\",\"clientId\":\"([0-9a-f-]{36})\",\"resume\":\"(\\1\\.[A-Za-z0-9_-]+)\"}");

    /** A wallet socket, its id and resume token, and the extension's id as it was told. */
    private record Wallet(WsClient socket, String id, String token, String extId) {
    }

    private static String url(String source, String target, String resume) {
        return "/" + CID + "?target=" + target + "&source=" + source + (resume == null ? "" : "&resume=" + resume);
    }

    /** The extension, alone in the pairing. */
    private static WsClient extension(int port) {
        WsClient ext = WsClient.connect(port, url("extension", "wallet", null));
        assertThat(ext.poll(QUIET)).isNull();
        return ext;
    }

    /** A wallet coming back with {@code resume}; it must find the extension {@code extId} there. */
    private static Wallet wallet(int port, String resume, String extId) {
        WsClient w = WsClient.connect(port, url("wallet", "extension", resume));
        Matcher m = RESUMABLE.matcher(w.next());
        assertThat(m.matches()).isTrue();
        assertThat(w.next()).isEqualTo(notice("remoteClientIsAlreadyConnected", extId));
        return new Wallet(w, m.group(1), m.group(2), extId);
    }

    /** A wallet asking for resume, joining the extension, which hears it come. */
    private static Wallet firstWallet(int port, WsClient ext) {
        WsClient w = WsClient.connect(port, url("wallet", "extension", "1"));
        Matcher m = RESUMABLE.matcher(w.next());
        assertThat(m.matches()).isTrue();
        String extId = w.next().replaceAll(".*\"remoteClientId\":\"([^\"]+)\".*", "$1");
        extHearsJoin(ext, m.group(1));
        return new Wallet(w, m.group(1), m.group(2), extId);
    }

    private static String notice(String info, String id) {
        return "{\"info\":\"" + info + "\",\"remoteClientId\":\"" + id + "\"}";
    }

    private static String signal(String requestId, String target) {
        return "{\"requestId\":\"" + requestId + "\",\"method\":\"offer\",\"targetClientId\":\"" + target
                + "\",\"encryptedPayload\":\"aa\"}";
    }

    private static String remoteData(String requestId, String target, String from) {
        return "{\"info\":\"remoteData\",\"data\":" + signal(requestId, target) + ",\"remoteClientId\":\"" + from
                + "\",\"requestId\":\"" + requestId + "\"}";
    }

    /** The extension hears the wallet come. */
    private static void extHearsJoin(WsClient ext, String walletId) {
        assertThat(ext.next()).isEqualTo(notice("remoteClientJustConnected", walletId));
    }

    @Test
    void aDroppedWalletResumesOnItsNodeAndTheExtensionSeesNoFlap() {
        try (Switchboard node = quickNode(Duration.ofSeconds(30));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient ext = extension(node.port())) {
            Wallet probe = firstWallet(network.port(), ext);
            String walletId = probe.id();
            String token = probe.token();
            String extId = probe.extId();
            network.sever();
            awaitParked(node, 1);
            ext.send(signal("r1", walletId));
            assertThat(ext.next()).isEqualTo("{\"info\":\"confirmation\",\"requestId\":\"r1\"}");
            ext.send(signal("r2", walletId));
            assertThat(ext.next()).isEqualTo("{\"info\":\"confirmation\",\"requestId\":\"r2\"}");
            Wallet back = wallet(node.port(), token, extId);
            assertThat(back.id()).isEqualTo(walletId);
            assertThat(back.token()).isEqualTo(token);
            assertThat(back.socket().next()).isEqualTo(remoteData("r1", walletId, extId));
            assertThat(back.socket().next()).isEqualTo(remoteData("r2", walletId, extId));
            back.socket().send(signal("r3", extId));
            assertThat(back.socket().next()).isEqualTo("{\"info\":\"confirmation\",\"requestId\":\"r3\"}");
            assertThat(ext.next()).isEqualTo(remoteData("r3", extId, walletId));
            assertThat(back.socket().poll(QUIET)).isNull();
            assertThat(ext.poll(QUIET)).isNull(); // no remoteClientDisconnected, no remoteClientJustConnected
            back.socket().close();
            assertThat(ext.next()).isEqualTo(notice("remoteClientDisconnected", walletId));
            probe.socket().close();
        }
    }

    @Test
    void aStaleSocketIsClosedWhenItsSideResumes() {
        try (Switchboard node = TestNodes.start(TestNodes.config().build());
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient ext = extension(node.port())) {
            Wallet stale = firstWallet(network.port(), ext);
            String extId = stale.extId();
            network.sever();
            Wallet back = wallet(node.port(), stale.token(), extId);
            assertThat(back.id()).isEqualTo(stale.id());
            await().atMost(PATIENCE).until(network::nodeClosed);
            assertThat(network.afterCut()).contains("Resumed on another connection");
            assertThat(ext.poll(QUIET)).isNull();
            back.socket().close();
            stale.socket().close();
        }
    }

    @Test
    void aWrongTokenIsANewSocketAndTheWindowsEndIsALeave() {
        try (Switchboard node = quickNode(Duration.ofSeconds(3));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient ext = extension(node.port())) {
            Wallet dropped = firstWallet(network.port(), ext);
            String walletId = dropped.id();
            String extId = dropped.extId();
            network.sever();
            awaitParked(node, 1);
            String forgedId;
            try (WsClient forged = WsClient.connect(node.port(), url("wallet", "extension",
                    walletId + ".AAAAAAAAAAAAAAAAAAAAAA"))) {
                Matcher m = RESUMABLE.matcher(forged.next());
                assertThat(m.matches()).isTrue();
                forgedId = m.group(1);
                assertThat(forgedId).isNotEqualTo(walletId); // today's answer: a new socket
                assertThat(ext.next()).isEqualTo(notice("remoteClientJustConnected", forgedId));
                assertThat(forged.next()).isEqualTo(notice("remoteClientIsAlreadyConnected", extId));
            }
            assertThat(ext.next()).isEqualTo(notice("remoteClientDisconnected", forgedId));
            // the window ends: the extension hears the dropped wallet leave
            assertThat(ext.poll(Duration.ofSeconds(30))).extracting(WsClient.Message::text)
                    .isEqualTo(notice("remoteClientDisconnected", walletId));
            dropped.socket().close();
        }
    }

    @Test
    void aSocketThatDidNotAskLeavesAtOnceAsBefore() {
        try (Switchboard node = quickNode(Duration.ofSeconds(30));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient ext = extension(node.port())) {
            WsClient plain = WsClient.connect(network.port(), url("wallet", "extension", null));
            String extId = plain.next().replaceAll(".*\"remoteClientId\":\"([^\"]+)\".*", "$1");
            assertThat(extId).isNotEmpty();
            String walletId = ext.next().replaceAll(".*\"remoteClientId\":\"([^\"]+)\".*", "$1");
            network.sever();
            assertThat(ext.next()).isEqualTo(notice("remoteClientDisconnected", walletId));
            assertThat(node.hub().resumeStats().parked()).isZero();
            plain.close();
        }
    }

    @Test
    void aWalletOfAKilledNodeResumesOnAnother() {
        try (KilledNode nodes = KilledNode.overRedis();
             WsClient ext = extension(nodes.survivor().port())) {
            Switchboard survivor = nodes.survivor();
            NodeProcess victim = nodes.victim();
            Wallet lost = firstWallet(victim.port(), ext);
            String walletId = lost.id();
            String extId = lost.extId();
            victim.kill();
            ext.send(signal("r1", walletId));
            assertThat(ext.next()).isEqualTo("{\"info\":\"confirmation\",\"requestId\":\"r1\"}");
            nodes.awaitReaped(); // reaped, kept
            Wallet back = wallet(survivor.port(), lost.token(), extId);
            assertThat(back.id()).isEqualTo(walletId);
            assertThat(back.socket().next()).isEqualTo(remoteData("r1", walletId, extId));
            assertThat(ext.poll(QUIET)).isNull();
            back.socket().close();
            lost.socket().close();
        }
    }
}
