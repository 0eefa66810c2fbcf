package org.nvit.weights;

import java.io.IOException;

/**
 * A weight file that cannot be read: corrupt, truncated, lying about its sizes, of an unsupported kind, or asking the
 * reader to do something it never does (run code). The message is one line that names the cause and, where there is
 * one, the fix.
 */
public final class WeightFileException extends IOException {
    public WeightFileException(String message) { super(oneLine(message)); }

    public WeightFileException(String message, Throwable cause) { super(oneLine(message), cause); }

    /** Escapes what a terminal would not show as itself (names read from a file may hold newlines or ESC). */
    static String oneLine(String s) { return Printable.escape(s); }
}
