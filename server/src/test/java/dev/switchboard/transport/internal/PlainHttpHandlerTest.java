package dev.switchboard.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.transport.HttpResponder;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The ops port's handler: replies in request order, whichever the responder finishes first. */
class PlainHttpHandlerTest {

    @Test
    void aReplyFinishedEarlyWaitsForTheOneBefore() {
        CompletableFuture<HttpResponder.Reply> slow = new CompletableFuture<>();
        HttpResponder responder = (method, path) -> path.equals("/slow") ? slow
                : CompletableFuture.completedFuture(new HttpResponder.Reply(200, "text/plain", bytes("fast")));
        // no response encoder: the test reads the responses as the handler wrote them
        EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDecoder(), new HttpObjectAggregator(16 * 1024),
                new PlainHttpHandler(responder));
        channel.writeInbound(Unpooled.copiedBuffer("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        channel.runPendingTasks();
        assertThat((Object) channel.readOutbound()).as("nothing before the slow reply").isNull();

        slow.complete(new HttpResponder.Reply(200, "text/plain", bytes("slow")));
        channel.runPendingTasks();
        assertThat(body(channel.readOutbound())).isEqualTo("slow");
        assertThat(body(channel.readOutbound())).isEqualTo("fast");
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private static String body(FullHttpResponse response) {
        try {
            return response.content().toString(StandardCharsets.UTF_8);
        } finally {
            response.release();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
