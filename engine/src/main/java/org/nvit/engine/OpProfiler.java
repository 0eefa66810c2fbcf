package org.nvit.engine;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wraps a backend so that every op call is timed (wall time per op name, synchronised after each call on devices
 * that queue work). For performance experiments: {@code nvit bench model --profile} prints where a step's time goes.
 */
public final class OpProfiler {
    private final Backend target;
    private final Backend proxy;
    private final Map<String, LongAdder[]> stats = new ConcurrentHashMap<>();

    public OpProfiler(Backend target) {
        this.target = target;
        InvocationHandler h = (p, m, args) -> {
            if (m.getName().equals("capability") && m.getDeclaringClass() == Backend.class)
                return capability((Class<?>) args[0]);
            long t0 = System.nanoTime();
            try {
                Object r = m.invoke(target, args);
                if (m.getReturnType() == void.class && m.getDeclaringClass() == Backend.class) target.synchronize();
                return r;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                record(key(m.getName(), args), t0);
            }
        };
        this.proxy = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }

    private void record(String key, long t0) {
        LongAdder[] s = stats.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        s[0].add(System.nanoTime() - t0);
        s[1].increment();
    }

    /** The target's capability, its void calls timed (and synchronised) like ops, as "Kind.method". */
    private java.util.Optional<?> capability(Class<?> kind) {
        java.util.Optional<?> inner = target.capability(kind);
        if (inner.isEmpty() || !kind.isInterface()) return inner;
        Object impl = inner.get();
        return java.util.Optional.of(Proxy.newProxyInstance(kind.getClassLoader(), new Class<?>[] {kind}, (p, m, args) -> {
            long t0 = System.nanoTime();
            try {
                Object r = m.invoke(impl, args);
                if (m.getReturnType() == void.class) target.synchronize();
                return r;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (m.getDeclaringClass() != Object.class && m.getReturnType() == void.class)
                    record(kind.getSimpleName() + "." + m.getName(), t0);
            }
        }));
    }

    /** Batched GEMMs (attention's small per-head products) are reported apart from the single large ones. */
    private static String key(String op, Object[] args) {
        if (op.equals("gemm") && args != null && args[args.length - 1] instanceof Integer batch && batch > 1)
            return "gemm (batched)";
        return op;
    }

    /** The timing backend to register in place of the target. */
    public Backend backend() { return proxy; }

    public Backend target() { return target; }

    public void reset() { stats.clear(); }

    /** One line per op, most expensive first: total ms, share, calls. */
    public List<String> report() {
        long total = stats.values().stream().mapToLong(s -> s[0].sum()).sum();
        List<String> lines = new ArrayList<>();
        stats.entrySet().stream()
                .filter(e -> !e.getKey().equals("name") && !e.getKey().equals("device"))
                .sorted((a, b) -> Long.compare(b.getValue()[0].sum(), a.getValue()[0].sum()))
                .forEach(e -> lines.add(String.format(Locale.ROOT, "  %-20s %10.1f ms  %5.1f%%  %8d calls", e.getKey(),
                        e.getValue()[0].sum() / 1e6, 100.0 * e.getValue()[0].sum() / Math.max(1, total),
                        e.getValue()[1].sum())));
        return lines;
    }
}
