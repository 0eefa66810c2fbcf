package org.nvit.weights.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nvit.weights.StateDictException;
import org.nvit.weights.ValueFormat;
import org.nvit.weights.WeightFileException;
import org.nvit.weights.WeightFiles;

/**
 * Every file of the hostile corpus through the loader: refused with a one-line WeightFileException or
 * IllegalArgumentException that names the cause, or loaded with its extras rendered in bounded form; within 10 s and
 * never by a JVM Error (stack overflow, out of memory).
 */
class HostileCorpusTest {
    @TempDir Path dir;

    static Stream<HostileCorpus.Case> cases() { return HostileCorpus.cases().stream(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedOrShownBounded(HostileCorpus.Case c) throws Exception {
        Path p = c.write(dir);
        Throwable[] thrown = {null};
        WeightFiles.Loaded[] loaded = {null};
        long t0 = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                loaded[0] = WeightFiles.load(p, List.of());
            } catch (Throwable t) {
                thrown[0] = t;
            }
        }, c.name() + " took more than 10 s");
        double s = (System.nanoTime() - t0) / 1e9;
        if (c.expect() == HostileCorpus.Expect.REFUSED) {
            Throwable t = thrown[0];
            if (t == null) fail(c.name() + " (" + c.attack() + ") was loaded; it must be refused");
            if (!(t instanceof WeightFileException || t instanceof IllegalArgumentException))
                throw new AssertionError(c.name() + " ended in " + t, t);
            String m = t.getMessage();
            assertTrue(m.contains(c.mustSay()), c.name() + ": the message should say '" + c.mustSay() + "': " + m);
            assertPrintable(c.name(), m);
        } else {
            if (thrown[0] != null) throw new AssertionError(c.name() + " (a valid checkpoint) was refused: " + thrown[0], thrown[0]);
            StringBuilder shown = new StringBuilder(String.join("\n", loaded[0].warnings()));
            loaded[0].extras().forEach((k, v) -> shown.append('\n').append(ValueFormat.text(k, 60)).append(" = ")
                    .append(v instanceof String str ? ValueFormat.text(str, 100) : ValueFormat.brief(v, 100)));
            assertTrue(shown.toString().contains(c.mustSay()), c.name() + ": should show '" + c.mustSay() + "': " + shown);
            for (String line : shown.toString().split("\n")) assertPrintable(c.name(), line);
        }
        assertTrue(s < 10, c.name() + " took " + s + " s");
    }

    /** One line, and nothing a terminal would interpret. */
    static void assertPrintable(String what, String text) {
        assertFalse(text.contains("\n"), what + ": more than one line: " + text);
        for (char ch : text.toCharArray())
            if (ch < 0x20 || ch == 0x7f || ch >= 0x80 && ch < 0xa0) fail(what + ": raw control character " + (int) ch + " in: " + text);
    }

    @org.junit.jupiter.api.Test void theCorpusCoversEveryClass() {
        List<HostileCorpus.Case> all = HostileCorpus.cases();
        assertEquals(all.size(), all.stream().map(HostileCorpus.Case::name).distinct().count(), "names are unique");
        for (String attack : List.of("nested", "cycle", "2^40", "deflated", "aimed at one member", "data.pkl", "CRC", "hash code", "INST",
                "EXT1", "image_size", "attn_scale", "ESC", "NaN"))
            assertTrue(all.stream().anyMatch(c -> c.attack().contains(attack) || c.name().contains(attack.toLowerCase())),
                    "no case for " + attack);
        assertTrue(StateDictException.class.getSuperclass() == IllegalArgumentException.class);
    }
}
