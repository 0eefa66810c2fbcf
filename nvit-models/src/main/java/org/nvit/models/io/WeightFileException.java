package org.nvit.models.io;

import java.io.IOException;

/**
 * A weight file that cannot be read: corrupt, truncated, lying about its sizes, of an unsupported kind, or asking the
 * reader to do something it never does (run code). The message is one line that names the cause and, where there is
 * one, the fix.
 */
public final class WeightFileException extends IOException {
    public WeightFileException(String message) { super(oneLine(message)); }

    public WeightFileException(String message, Throwable cause) { super(oneLine(message), cause); }

    /** Escapes control characters (names read from a file may hold newlines) so a message stays on one line. */
    static String oneLine(String s) {
        if (s == null || s.chars().noneMatch(Character::isISOControl)) return s;
        StringBuilder b = new StringBuilder(s.length() + 8);
        s.chars().forEach(c -> b.append(Character.isISOControl(c) ? String.format("\\x%02x", c) : String.valueOf((char) c)));
        return b.toString();
    }
}
