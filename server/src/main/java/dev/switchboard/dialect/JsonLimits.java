package dev.switchboard.dialect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * The one place where dialects get a JSON parser factory, with Jackson's stream constraints set from the
 * server's limits so that a hostile document (deep nesting, huge numbers or names) fails fast as invalid JSON.
 */
public final class JsonLimits {
    private JsonLimits() {
    }

    public static JsonFactory factory(int maxDepth, int maxMessageBytes) {
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(maxDepth)
                .maxStringLength(maxMessageBytes)
                .maxNameLength(Math.min(maxMessageBytes, 50_000))
                .maxNumberLength(1000)
                .maxDocumentLength(maxMessageBytes)
                .build();
        return JsonFactory.builder()
                .streamReadConstraints(constraints)
                // JSON.parse keeps the last of duplicate keys; so does a streaming read. Never fail on them.
                .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
    }
}
