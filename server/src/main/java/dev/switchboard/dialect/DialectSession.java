package dev.switchboard.dialect;

/**
 * One connection's state in a dialect. The transport calls it on the connection's own thread, one call at a
 * time: no locking is needed inside, and nothing may block.
 */
public interface DialectSession {
    /** The session of a connection refused at open and being closed: it reads nothing more. */
    DialectSession CLOSING = new DialectSession() {
        @Override
        public void onMessage(byte[] data, boolean binary) {
        }

        @Override
        public void onClose() {
        }
    };


    /** One complete message (fragments already joined). The array is the session's to keep. */
    void onMessage(byte[] data, boolean binary);

    /** The connection closed, for whatever reason; release everything the session holds. */
    void onClose();
}
