package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Text and values from files, made safe to print: escaped characters, bounded renderings. */
class TextSafetyTest {
    @Test void invisibleCharactersAreEscaped() {
        assertEquals("\\x1b[31mred\\x1b[0m\\x0aline\\x09tab\\x7f\\x85", Printable.escape("\u001b[31mred\u001b[0m\nline\ttab\u007f\u0085"));
        assertEquals("evil\\x{202e}txt.exe \\x{2028} \\x{200b}", Printable.escape("evil\u202etxt.exe \u2028 \u200b"));
        assertEquals("lone \\x{d800} high", Printable.escape("lone \ud800 high"));
        String fine = "ViT-B/16 · 86M params — ok 😀 日本";
        assertSame(fine, Printable.escape(fine));   // printable text comes back as it is, without a copy
        assertEquals("a\\x0ab", new WeightFileException("a\nb").getMessage());
        assertEquals("a\\x1bb", new StateDictException("a\u001bb").getMessage());
    }

    @Test void valuesRenderLikePythonWithinTheBudget() {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("lr", 0.1);
        m.put(3L, List.of(true, false));
        m.put("t", new Unpickler.Tuple(List.of(1L)));
        m.put("n", null);
        m.put("s", "\u001b]0;title\u0007");
        assertEquals("{'lr': 0.1, 3: [True, False], 't': (1,), 'n': None, 's': '\\x1b]0;title\\x07'}", ValueFormat.brief(m, 200));
        String cut = ValueFormat.brief(java.util.Collections.nCopies(1000, 12345L), 50);
        assertEquals(50, cut.length());
        assertTrue(cut.startsWith("[12345, 12345") && cut.endsWith("..."), cut);
        assertEquals("abc...", ValueFormat.text("abcdefghij", 6));
        assertEquals("[0.0005, 300.0, -0.0, 1.0E-6, nan, -inf]",
                ValueFormat.brief(List.of(5e-4, 300.0, -0.0, 1e-6, Double.NaN, Double.NEGATIVE_INFINITY), 100));
    }

    @Test void cyclesAreMarkedAndDepthIsCut() {
        List<Object> a = new ArrayList<>(), b = new ArrayList<>();
        a.add(b);
        b.add(a);
        a.add(1L);
        assertEquals("[[<cycle>], 1]", ValueFormat.brief(a, 100));
        Object deep = 7L;
        for (int i = 0; i < 100_000; i++) deep = List.of(deep);
        String s = ValueFormat.brief(deep, 100);
        assertEquals("[".repeat(ValueFormat.MAX_DEPTH) + "..." + "]".repeat(ValueFormat.MAX_DEPTH), s);
    }

    @Test void sharedReferencesCostTheBudgetNotTheirExpansion() {
        Object v = List.of();
        for (int i = 0; i < 64; i++) v = List.of(v, v);   // 2^64 leaves when expanded
        Object shared = v;
        String s = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(2),
                () -> ValueFormat.brief(shared, 1000));
        assertEquals(1000, s.length());
    }
}
