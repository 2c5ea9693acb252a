package dev.switchboard.app;

import dev.switchboard.Switchboard;
import picocli.CommandLine;

/** Reports the project's version, as the health document does. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"switchboard " + Switchboard.VERSION};
    }
}
