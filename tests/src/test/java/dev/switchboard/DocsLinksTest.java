package dev.switchboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import dev.switchboard.support.ProjectFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation whole and self-contained (docs/README.md):
 * <ul>
 *   <li>every relative Markdown link in README.md and docs/**.md points to a file that exists and, when it names
 *       a heading, to a heading that exists in that file (GitHub's anchors: lowercase, spaces to '-', other
 *       punctuation than '-' and '_' dropped, a repeated heading numbered -1, -2, …);</li>
 *   <li>nothing in a module's src/, scripts/ or bench/ (node_modules aside), nor README.md, BENCHMARKS.md or docs/,
 *       cites a document that lives outside the repository;</li>
 *   <li>every {@code docs/….md#anchor} a comment there cites exists.</li>
 * </ul>
 */
class DocsLinksTest {
    private static final Path ROOT = ProjectFiles.root();

    /**
     * Citations of the project's outside notes. Assembled from parts so that this file does not contain them
     * itself (a plain grep of the repository for them must come back empty).
     */
    private static final List<String> OUTSIDE_CITATIONS = List.of(
            "DECI" + "SIONS §", "UP" + "STREAM §", "seed" + " 00", "DECI" + "SIONS.md", "UP" + "STREAM.md",
            "ANC" + "HORS.md", "BROWSER" + "-TESTING.md", "shared/" + "spec", "shared/" + "seeds");

    /** {@code [text](target "title")} or {@code ![alt](target)}; group 1 is the target. */
    private static final Pattern INLINE_LINK =
            Pattern.compile("!?\\[[^\\]]*]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** {@code [label]: target}; group 1 is the target. */
    private static final Pattern REFERENCE_DEFINITION =
            Pattern.compile("^\\s{0,3}\\[[^\\]]+]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    /** An ATX heading; group 2 is its text without the optional closing #s. */
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`+[^`]*`+");
    /** A citation of a repository doc in a comment: {@code docs/design/routing.md#after-the-upgrade}. */
    private static final Pattern DOC_CITATION = Pattern.compile("\\bdocs/[A-Za-z0-9_./-]*\\.md(#[A-Za-z0-9_-]+)?");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    private final Map<Path, Set<String>> anchorsByFile = new HashMap<>();

    @Test
    void relativeLinksPointToFilesAndHeadingsThatExist() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        pages.add(ROOT.resolve("SECURITY.md"));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            for (String target : links(page)) {
                if (SCHEME.matcher(target).find() || target.startsWith("//")) {
                    continue; // an absolute URL: not ours to check offline
                }
                checked++;
                String problem = problem(page, target);
                if (problem != null) {
                    broken.add(ROOT.relativize(page) + ": (" + target + ") " + problem);
                }
            }
        }
        assertThat(checked).as("relative links found").isPositive();
        assertThat(broken).as("broken relative links").isEmpty();
    }

    @Test
    void nothingCitesDocumentsOutsideTheRepository() throws IOException {
        List<Path> files = scannedFiles();
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            String[] lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String lower = lines[i].toLowerCase(Locale.ROOT);
                for (String citation : OUTSIDE_CITATIONS) {
                    if (lower.contains(citation.toLowerCase(Locale.ROOT))) {
                        found.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + lines[i].strip());
                    }
                }
            }
        }
        assertThat(files).as("files scanned").hasSizeGreaterThan(100);
        assertThat(found).as("citations of documents outside the repository; cite docs/ instead").isEmpty();
    }

    @Test
    void docsCitedInCommentsExist() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : scannedFiles()) {
            if (file.startsWith(ROOT.resolve("docs")) || file.toString().endsWith(".md")) {
                continue; // Markdown links are checked as links
            }
            String[] lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                Matcher m = DOC_CITATION.matcher(lines[i]);
                while (m.find()) {
                    checked++;
                    String problem = problem(ROOT.resolve("README.md"), m.group());
                    if (problem != null) {
                        broken.add(ROOT.relativize(file) + ":" + (i + 1) + ": (" + m.group() + ") " + problem);
                    }
                }
            }
        }
        assertThat(checked).as("doc citations found").isPositive();
        assertThat(broken).as("comments citing docs that do not exist").isEmpty();
    }

    /** Every module's src/, scripts/ and bench/ without node_modules, docs/, README.md and BENCHMARKS.md. */
    private static List<Path> scannedFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        List<String> dirs = new ArrayList<>(List.of("scripts", "bench", "docs"));
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (module.find()) {
            dirs.add(module.group(1) + "/src");
        }
        for (String dir : dirs) {
            Path d = ROOT.resolve(dir);
            if (Files.isDirectory(d)) {
                try (Stream<Path> walk = Files.walk(d)) {
                    walk.filter(Files::isRegularFile).filter(p -> !p.toString().contains("node_modules")).sorted()
                            .forEach(files::add);
                }
            }
        }
        files.add(ROOT.resolve("README.md"));
        files.add(ROOT.resolve("BENCHMARKS.md"));
        files.add(ROOT.resolve("SECURITY.md"));
        return files;
    }

    /** What is wrong with one relative link of {@code page}, or null when it is sound. */
    private String problem(Path page, String target) {
        int hash = target.indexOf('#');
        String path = decode(hash < 0 ? target : target.substring(0, hash));
        String anchor = hash < 0 ? null : decode(target.substring(hash + 1));
        Path file = path.isEmpty() ? page
                : (path.startsWith("/") ? ROOT.resolve(path.substring(1)) : page.getParent().resolve(path)).normalize();
        if (!file.startsWith(ROOT)) {
            return "points outside the repository";
        }
        if (!Files.exists(file)) {
            return "no such file: " + ROOT.relativize(file);
        }
        if (anchor == null || anchor.isEmpty() || !file.toString().endsWith(".md")) {
            return null;
        }
        Set<String> anchors = anchorsByFile.computeIfAbsent(file, DocsLinksTest::anchors);
        return anchors.contains(anchor) ? null : "no heading #" + anchor + " in " + ROOT.relativize(file)
                + " (has: " + String.join(", ", anchors) + ")";
    }

    /** Link targets of a Markdown file, outside fenced code blocks and code spans. */
    private static List<String> links(Path page) {
        List<String> out = new ArrayList<>();
        for (String line : prose(page)) {
            String text = CODE_SPAN.matcher(line).replaceAll("");
            Matcher m = INLINE_LINK.matcher(text);
            while (m.find()) {
                out.add(m.group(1));
            }
            Matcher d = REFERENCE_DEFINITION.matcher(text);
            if (d.matches()) {
                out.add(d.group(1));
            }
        }
        return out;
    }

    /** The heading anchors GitHub gives a Markdown file, in order. */
    static Set<String> anchors(Path page) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(page)) {
            Matcher h = HEADING.matcher(line);
            if (!h.matches()) {
                continue;
            }
            String slug = slug(h.group(2));
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            out.add(n == 0 ? slug : slug + "-" + n);
        }
        return out;
    }

    /** GitHub's anchor of a heading's text. */
    static String slug(String heading) {
        String text = heading
                .replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1") // a link or image counts by its text
                .replaceAll("<[^>]+>", ""); // inline HTML
        StringBuilder b = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if (c == ' ') {
                b.append('-');
            } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    /** The lines of a Markdown file that are not inside a fenced code block. */
    private static List<String> prose(Path page) {
        List<String> lines;
        try {
            lines = Files.readAllLines(page, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> out = new ArrayList<>();
        String fence = null;
        for (String line : lines) {
            String t = line.strip();
            if (fence == null && (t.startsWith("```") || t.startsWith("~~~"))) {
                fence = t.substring(0, 3);
            } else if (fence != null && t.startsWith(fence)) {
                fence = null;
            } else if (fence == null) {
                out.add(line);
            }
        }
        return out;
    }

    /** Percent-decodes a link target ('+' stays a plus, as in a URL path). */
    private static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            int hi;
            int lo;
            if (s.charAt(i) == '%' && i + 2 < s.length()
                    && (hi = Character.digit(s.charAt(i + 1), 16)) >= 0 && (lo = Character.digit(s.charAt(i + 2), 16)) >= 0) {
                bytes.write(hi << 4 | lo);
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
