package dev.switchboard.dialect.peerjs;

/**
 * A client frame as upstream reads it: a JSON object with a string {@code type}, and its {@code dst} and
 * {@code payload} as JSON (null when absent).
 *
 * @param dst         the destination id when {@code dst} is a string, else null
 * @param dstJson     {@code dst} as JSON (a string as {@code JSON.stringify} writes it), or null when absent
 * @param dstTruthy   whether {@code dst} is truthy, as upstream's {@code if (dstId)} sees it
 * @param payloadJson {@code payload} as sent, or null when absent
 */
record PeerJsMessage(String type, String dst, String dstJson, boolean dstTruthy, String payloadJson) {
}
