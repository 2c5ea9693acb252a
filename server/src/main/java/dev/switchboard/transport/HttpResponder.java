package dev.switchboard.transport;

import java.util.concurrent.CompletionStage;

/** Answers plain HTTP requests (health, readiness, metrics, anything else). May complete on any thread. */
public interface HttpResponder {

    CompletionStage<Reply> respond(String method, String path);

    /** An HTTP response: status code, content type and body. */
    record Reply(int status, String contentType, byte[] body) {
    }
}
