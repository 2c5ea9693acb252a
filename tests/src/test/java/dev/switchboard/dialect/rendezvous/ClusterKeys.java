package dev.switchboard.dialect.rendezvous;

/** Test keys for cluster tests outside this package (TestKeys stays package-private). */
public final class ClusterKeys {
    private final TestKeys keys;

    private ClusterKeys(TestKeys keys) {
        this.keys = keys;
    }

    public static ClusterKeys create() {
        return new ClusterKeys(TestKeys.create("Ed25519"));
    }

    public String peerId() {
        return keys.peerId;
    }

    /** A register message, signed when {@code nonce} is not null. */
    public String register(String nonce) {
        return keys.register(nonce);
    }
}
