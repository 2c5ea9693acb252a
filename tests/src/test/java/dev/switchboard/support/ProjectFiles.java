package dev.switchboard.support;

import java.nio.file.Path;

/** Where the repository's own files are: the build tells the tests (see the tests module's pom). */
public final class ProjectFiles {
    private ProjectFiles() {
    }

    /** The repository's top folder: README.md, docs/, the launcher. */
    public static Path root() {
        return Path.of(System.getProperty("switchboard.rootDir", "..")).toAbsolutePath().normalize();
    }

    /** The tests module's folder: the Node projects the tests drive live under src/test there. */
    public static Path module() {
        return Path.of(System.getProperty("switchboard.moduleDir", ".")).toAbsolutePath().normalize();
    }
}
