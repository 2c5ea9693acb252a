package dev.switchboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A README Java block compiled as written, inside a class the docs test writes around it (the imports and a method
 * whose parameters are what the fragment leaves to its application), against this JVM's class path (the
 * generated gRPC classes, grpc-java), and loaded.
 */
final class JavaSnippet {
    private JavaSnippet() {
    }

    /** Compiles {@code source}, the whole file of public class {@code className} (no package), into {@code dir}. */
    static Class<?> compile(Path dir, String className, String source) throws IOException, ClassNotFoundException {
        Path file = dir.resolve(className + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        boolean compiled = javac.getTask(errors, null, null,
                List.of("-classpath", System.getProperty("java.class.path"), "-d", dir.toString(), "-proc:none"), null,
                javac.getStandardFileManager(null, null, null).getJavaFileObjects(file)).call();
        assertThat(compiled).as(errors + "\n" + source).isTrue();
        URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, JavaSnippet.class.getClassLoader());
        return loader.loadClass(className);
    }
}
