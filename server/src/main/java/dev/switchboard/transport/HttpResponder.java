package dev.switchboard.transport;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Answers plain HTTP requests (health, readiness, metrics, anything else). May complete on any thread. */
public interface HttpResponder {

    CompletionStage<Reply> respond(String method, String path);

    /** A request with the headers a cross-origin answer needs; answered from its method and path by default. */
    default CompletionStage<Reply> respond(Request request) {
        return respond(request.method(), request.path());
    }

    /**
     * A plain request: method, percent-decoded path, and its {@code Origin} and
     * {@code Access-Control-Request-Headers} (null when absent).
     */
    record Request(String method, String path, String origin, String accessControlRequestHeaders) {
    }

    /** An HTTP response: status code, content type (null for none), body and extra headers. */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        public Reply {
            headers = Map.copyOf(headers);
        }

        public Reply(int status, String contentType, byte[] body) {
            this(status, contentType, body, Map.of());
        }
    }
}
