package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

/** A flood of one log line is cut to a few a minute (issue "Survive hostile clients", row 10). */
class LogFloodFilterTest {
    @Test
    void oneMessageIsWrittenAtMostItsCountAMinuteAndOthersAreUntouched() {
        LoggerContext context = new LoggerContext();
        LogFloodFilter filter = new LogFloodFilter();
        filter.setPerMinute(5);
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
        ListAppender<ILoggingEvent> out = new ListAppender<>();
        out.setContext(context);
        out.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(ch.qos.logback.classic.Level.INFO);
        root.addAppender(out);
        Logger library = context.getLogger("io.grpc.netty.NettyServerTransport");

        for (int i = 0; i < 1000; i++) {
            library.warn("Transport failed {}", i);
        }
        library.warn("another message");
        context.getLogger("dev.switchboard.Switchboard").info("node {} ready", "n1");
        library.debug("below the level: neither written nor counted");

        assertThat(out.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "Transport failed 0", "Transport failed 1", "Transport failed 2", "Transport failed 3",
                "Transport failed 4", "another message", "node n1 ready");
    }
}
