package dev.switchboard.dialect;

import java.util.List;

/**
 * Builds a relayed frame from a received one by setting one top-level member, the way {@code JSON.stringify}
 * of the parsed object after {@code obj[name] = value} would place it: every occurrence overwritten in place
 * (key order kept), or appended as the last member. All other bytes are copied unchanged.
 */
public final class JsonSplice {
    private JsonSplice() {
    }

    /**
     * Replaces one whole member (name and value) by {@code replacement} ({@code "name":value} as UTF-8), keeping
     * its position, and drops another member ({@code drop}, may be null) with the comma that separated it: how a
     * relay renames {@code to} into {@code from} and overwrites a client's own {@code from}.
     */
    public static byte[] replaceMember(JsonObjectScan scan, JsonObjectScan.Value member, byte[] replacement,
                                       JsonObjectScan.Value drop) {
        byte[] frame = scan.frame();
        int start = member.nameStart();
        int end = member.end();
        int[] cut = drop == null ? new int[] {end, end} : withComma(frame, drop);
        byte[] out = new byte[frame.length - (end - start) + replacement.length - (cut[1] - cut[0])];
        // copy around the two edits in the order they stand: the dropped span (maybe empty) and the replaced one
        int from = 0;
        int to = 0;
        if (cut[0] < start) {
            System.arraycopy(frame, 0, out, 0, cut[0]);
            to = cut[0];
            from = cut[1];
        }
        System.arraycopy(frame, from, out, to, start - from);
        to += start - from;
        System.arraycopy(replacement, 0, out, to, replacement.length);
        to += replacement.length;
        from = end;
        if (cut[0] >= end) {
            System.arraycopy(frame, from, out, to, cut[0] - from);
            to += cut[0] - from;
            from = cut[1];
        }
        System.arraycopy(frame, from, out, to, frame.length - from);
        return out;
    }

    /** A member's bytes with one neighbouring comma: the one after it, or else the one before it. */
    private static int[] withComma(byte[] frame, JsonObjectScan.Value member) {
        int start = member.nameStart();
        int end = member.end();
        int i = end;
        while (i < frame.length && isSpace(frame[i])) {
            i++;
        }
        if (i < frame.length && frame[i] == ',') {
            return new int[] {start, i + 1};
        }
        int j = start - 1;
        while (j >= 0 && isSpace(frame[j])) {
            j--;
        }
        return j >= 0 && frame[j] == ',' ? new int[] {j, end} : new int[] {start, end};
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    /** {@code value} is the JSON text of the new value as UTF-8 (a quoted, escaped string; a number; …). */
    public static byte[] set(JsonObjectScan scan, String name, byte[] value) {
        byte[] frame = scan.frame();
        List<JsonObjectScan.Value> spans = scan.all(name);
        if (spans.isEmpty()) {
            byte[] member = JsonStrings.quoteUtf8(name);
            int at = scan.appendAt();
            int comma = scan.isEmptyObject() ? 0 : 1;
            byte[] out = new byte[frame.length + comma + member.length + 1 + value.length];
            System.arraycopy(frame, 0, out, 0, at);
            int i = at;
            if (comma == 1) {
                out[i++] = ',';
            }
            System.arraycopy(member, 0, out, i, member.length);
            i += member.length;
            out[i++] = ':';
            System.arraycopy(value, 0, out, i, value.length);
            i += value.length;
            System.arraycopy(frame, at, out, i, frame.length - at);
            return out;
        }
        int size = frame.length;
        for (JsonObjectScan.Value v : spans) {
            size += value.length - (v.end() - v.start());
        }
        byte[] out = new byte[size];
        int from = 0;
        int to = 0;
        for (JsonObjectScan.Value v : spans) {
            int len = v.start() - from;
            System.arraycopy(frame, from, out, to, len);
            to += len;
            System.arraycopy(value, 0, out, to, value.length);
            to += value.length;
            from = v.end();
        }
        System.arraycopy(frame, from, out, to, frame.length - from);
        return out;
    }
}
