package org.nvit.cli;

import java.util.ArrayList;
import java.util.List;

/** Parses {@code --heads}: one count for every block ("12") or one per block ("4,6,6,8"). */
final class HeadsOption {
    private HeadsOption() {}

    static List<Integer> parse(String s) {
        List<Integer> out = new ArrayList<>();
        if (s == null || s.isBlank()) return out;
        for (String part : s.split(",")) {
            try {
                int h = Integer.parseInt(part.trim());
                if (h < 1) throw new NumberFormatException();
                out.add(h);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--heads '" + s + "': expected a positive count or a comma-separated list, one per block");
            }
        }
        return out;
    }
}
