package org.nvit.weights;

import java.math.BigInteger;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nvit.engine.Tensor;

/**
 * A short, Python-like rendering of the non-tensor values a checkpoint holds ('epoch', 'args', optimizer state). A
 * pickle can make them arbitrarily deep, cyclic (a list that contains itself) or shared (the memo lets one list appear
 * twice in another, so n bytes can describe 2^n elements); {@code toString} of such a value overflows the stack or
 * never ends. Here the output is cut at a character budget, nesting below {@link #MAX_DEPTH} is shown as
 * {@code ...}, and a container met again inside itself as {@code <cycle>}. Every value visited writes at least one
 * character, so the work is bounded by the budget whatever the value graph. Text from the file is escaped.
 */
public final class ValueFormat {
    /** Nesting shown before {@code ...}: enough for {'state': {0: {'step': 1}}}, far below any stack limit. */
    public static final int MAX_DEPTH = 8;

    private ValueFormat() {}

    /** The value in at most {@code maxChars} characters (longer renderings end in {@code ...}). */
    public static String brief(Object value, int maxChars) {
        if (maxChars < 4) throw new IllegalArgumentException("maxChars must be >= 4");
        Writer w = new Writer(maxChars);
        w.value(value, 0);
        return w.result();
    }

    /** Text from a file, escaped and cut to at most {@code maxChars} characters (unquoted, for metadata values). */
    public static String text(String s, int maxChars) {
        if (maxChars < 4) throw new IllegalArgumentException("maxChars must be >= 4");
        String e = Printable.escape(s.length() > maxChars ? s.substring(0, maxChars + 1) : s);
        return e.length() <= maxChars ? e : e.substring(0, maxChars - 3) + "...";
    }

    /** 0.0005 rather than 5.0E-4 where Python prints fixed notation (1e-4 <= |x| < 1e16), nan and inf as Python does. */
    static String pythonFloat(double x) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        double a = Math.abs(x);
        if (a == 0) return Double.toString(x);   // 0.0 and -0.0
        if (a < 1e-4 || a >= 1e16) return Double.toString(x);
        String plain = new java.math.BigDecimal(Double.toString(x)).stripTrailingZeros().toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }

    private static final class Writer {
        private final StringBuilder b = new StringBuilder();
        private final int max;
        private final Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());   // the containers being written

        Writer(int max) { this.max = max; }

        boolean full() { return b.length() > max; }

        String result() { return b.length() <= max ? b.toString() : b.substring(0, max - 3) + "..."; }

        void text(String s) {
            int room = max + 1 - b.length();
            if (room <= 0) return;
            b.append(s.length() > room ? s.substring(0, room) : s);
        }

        void value(Object v, int depth) {
            if (full()) return;
            switch (v) {
                case null -> text("None");
                case Boolean x -> text(x ? "True" : "False");
                case Long x -> text(x.toString());
                case BigInteger x -> text(x.bitLength() > 256 ? "<" + x.bitLength() + "-bit int>" : x.toString());
                case Double x -> text(pythonFloat(x));
                case String s -> {
                    text("'");
                    text(Printable.escape(s.length() > max ? s.substring(0, max + 1) : s));
                    text("'");
                }
                case byte[] a -> text("bytes[" + a.length + "]");
                case Tensor t -> text(t.toString());
                case Unpickler.Global g -> text(Printable.escape(g.qualified()));
                case Unpickler.Tuple t -> sequence(t, t.items(), "(", t.items().size() == 1 ? ",)" : ")", depth);
                case Unpickler.PySet s -> sequence(s, s.items(), "{", "}", depth);
                case List<?> l -> sequence(l, l, "[", "]", depth);
                case Map<?, ?> m -> map(m, depth);
                case Unpickler.Opaque o -> {
                    if (!enter(o, depth)) return;
                    text(Printable.escape(o.type.substring(o.type.lastIndexOf('.') + 1)));
                    text("(");
                    if (o.state instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k instanceof String)) {
                        boolean first = true;   // Namespace(lr=0.1, ...), as Python prints it
                        for (Map.Entry<?, ?> e : m.entrySet()) {
                            if (full()) break;
                            if (!first) text(", ");
                            first = false;
                            text(Printable.escape((String) e.getKey()));
                            text("=");
                            value(e.getValue(), depth + 1);
                        }
                    } else if (o.state != null) {
                        value(o.state, depth + 1);
                    }
                    text(")");
                    open.remove(o);
                }
                default -> text("<" + v.getClass().getSimpleName() + ">");
            }
        }

        private void sequence(Object self, List<?> items, String start, String end, int depth) {
            if (!enter(self, depth)) return;
            text(start);
            boolean first = true;
            for (Object o : items) {
                if (full()) break;
                if (!first) text(", ");
                first = false;
                value(o, depth + 1);
            }
            text(end);
            open.remove(self);
        }

        private void map(Map<?, ?> m, int depth) {
            if (!enter(m, depth)) return;
            text("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (full()) break;
                if (!first) text(", ");
                first = false;
                value(e.getKey(), depth + 1);
                text(": ");
                value(e.getValue(), depth + 1);
            }
            text("}");
            open.remove(m);
        }

        /** False (having written the marker) for a container below the depth limit or inside itself. */
        private boolean enter(Object self, int depth) {
            if (open.contains(self)) { text("<cycle>"); return false; }
            if (depth >= MAX_DEPTH) { text("..."); return false; }
            open.add(self);
            return true;
        }
    }
}
