package org.nvit.weights;

/**
 * Text read from a file made safe for a terminal and for one-line messages. Names, metadata and pickle strings are
 * attacker-chosen: a raw ESC starts a terminal control sequence, a newline forges extra output lines, a bidi override
 * reorders what the user reads. Every character that is not plainly visible is written as an escape instead:
 * C0/C1 controls and DEL as {@code \xNN}, other invisible or unassigned code points (format characters such as
 * U+202E, line and paragraph separators, unpaired surrogates, private use) as {@code \x{NNNN}}.
 */
public final class Printable {
    private Printable() {}

    /** The text with every non-printable character escaped; null stays null. */
    public static String escape(String s) {
        if (s == null) return null;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!printable(cp)) break;
            i += Character.charCount(cp);
        }
        if (i == s.length()) return s;   // the common case: nothing to escape, no copy
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!printable(cp)) {   // an unpaired surrogate comes back as itself, of type SURROGATE
                if (cp < 0x100) b.append(String.format("\\x%02x", cp));
                else b.append(String.format("\\x{%04x}", cp));
            } else {
                b.appendCodePoint(cp);
            }
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    /** True for characters a terminal shows as themselves (space included, tab and newline not). */
    static boolean printable(int cp) {
        if (cp < 0x20 || cp == 0x7f) return false;
        if (cp < 0x7f) return true;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> false;
            default -> true;
        };
    }
}
