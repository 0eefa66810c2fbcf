package org.nvit.engine;

import java.util.ArrayList;
import java.util.IdentityHashMap;

/**
 * A region of a thread's work (one training step, one evaluation batch) whose temporary CPU buffers are recycled.
 * While a scope is open on a thread, {@code Backend.zeros/empty} of the CPU backend take F32 arrays from the shared
 * {@link BufferPool} and the scope records them; {@link #close()} marks their storages released and returns the arrays.
 * A training step thus reuses last step's buffers instead of allocating a gigabyte of fresh heap that the garbage
 * collector would then copy around (see docs/PERFORMANCE.md, "allocation").
 *
 * <p>Contract: nothing allocated inside a scope may be used after it closes, except what {@link #keep} hands out.
 * A released storage fails loudly ({@link IllegalStateException}) instead of silently aliasing a reused array.
 * State that outlives the scope (optimizer moments, EMA weights, accumulators) is allocated under {@link #suspend()}
 * or with {@code Tensor.zeros}, which never pools. Scopes nest; each releases only its own buffers.
 *
 * <p>Device backends (CUDA) keep their own memory cache; they register each storage allocated inside a scope with
 * {@link #own}, and close() frees it back to that cache, under the same contract. Device memory thus returns at the
 * end of each step instead of whenever the garbage collector notices the tensors.
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();

    private final MemoryScope outer;
    private final Thread owner = Thread.currentThread();
    private final ArrayList<CpuStorage> owned = new ArrayList<>();
    private final IdentityHashMap<Storage, Runnable> deviceOwned = new IdentityHashMap<>();
    private boolean closed;

    private MemoryScope(MemoryScope outer) { this.outer = outer; }

    /** Opens a scope on the current thread. Use with try-with-resources. */
    public static MemoryScope open() {
        MemoryScope s = new MemoryScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    public static MemoryScope current() { return CURRENT.get(); }

    /** A suspension of the thread's scopes; closing it reinstates them. */
    public interface Suspension extends AutoCloseable {
        @Override void close();
    }

    /** Allocations until the returned handle closes are ordinary heap arrays, not owned by any scope. */
    public static Suspension suspend() {
        MemoryScope saved = CURRENT.get();
        CURRENT.remove();
        return () -> {
            if (saved != null) CURRENT.set(saved); else CURRENT.remove();
        };
    }

    /**
     * A float storage of exactly {@code length} elements owned by this scope. A fresh array is zero; a recycled one
     * ({@link CpuStorage#recycled()}) holds old values, which the backend clears when it promised zeros.
     */
    public CpuStorage allocateF32(int length) {
        if (closed) throw new IllegalStateException("memory scope already closed");
        if (!BufferPool.ENABLED) return new CpuStorage(new float[length]);
        float[] a = BufferPool.shared().take(length);
        CpuStorage s = a != null ? new CpuStorage(a, true) : new CpuStorage(new float[length]);
        owned.add(s);
        return s;
    }

    /** A device storage allocated in this scope: {@code release} (run once, at close) hands its memory back. */
    public void own(Storage s, Runnable release) {
        if (closed) throw new IllegalStateException("memory scope already closed");
        deviceOwned.put(s, release);
    }

    /** Takes t's storage out of this scope: it stays valid after close (and is never returned to the pool). */
    public Tensor keep(Tensor t) {
        deviceOwned.remove(t.storage());
        for (int i = owned.size() - 1; i >= 0; i--)
            if (owned.get(i) == t.storage()) {
                owned.remove(i);
                break;
            }
        return t;
    }

    /** Number of buffers this scope currently owns (for tests and diagnostics). */
    public int owned() { return owned.size() + deviceOwned.size(); }

    @Override public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("a memory scope must be closed on the thread that opened it");
        closed = true;
        BufferPool pool = BufferPool.shared();
        for (CpuStorage s : owned) pool.give(s.release());
        owned.clear();
        for (Runnable release : deviceOwned.values()) release.run();
        deviceOwned.clear();
        if (CURRENT.get() == this) {
            if (outer != null) CURRENT.set(outer); else CURRENT.remove();
        }
    }
}
