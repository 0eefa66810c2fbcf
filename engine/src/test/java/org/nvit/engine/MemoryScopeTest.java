package org.nvit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nvit.engine.cpu.CpuBackend;

/** Scoped CPU buffers: recycled across scopes, zeroed when promised, dead after close unless kept. */
class MemoryScopeTest {
    private final Backend cpu = CpuBackend.instance();

    @AfterEach void reset() { BufferPool.poison(false); }

    @Test void aClosedScopesBuffersAreReusedByTheNext() {
        float[] first;
        try (MemoryScope s = MemoryScope.open()) {
            first = cpu.zeros(DType.F32, 37, 11).floats();
            assertEquals(1, s.owned());
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor t = cpu.zeros(DType.F32, 11, 37); // same element count, other shape: same bucket
            assertSame(first, t.floats());
            assertTrue(((CpuStorage) t.storage()).recycled());
        }
    }

    @Test void zerosFromARecycledBufferAreZero() {
        try (MemoryScope s = MemoryScope.open()) {
            cpu.fill(cpu.zeros(DType.F32, 5000), 7f);
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor t = cpu.zeros(DType.F32, 5000);
            for (long i = 0; i < t.numel(); i++) assertEquals(0.0, t.getFlat(i));
        }
    }

    @Test void poisonedBuffersComeBackAsNaNThroughEmpty() {
        BufferPool.poison(true);
        try (MemoryScope s = MemoryScope.open()) {
            cpu.empty(DType.F32, 333);
        }
        try (MemoryScope s = MemoryScope.open()) {
            assertTrue(Float.isNaN(cpu.empty(DType.F32, 333).floats()[200]));
        }
    }

    @Test void aTensorUsedAfterItsScopeClosedFailsLoudly() {
        Tensor t, view;
        try (MemoryScope s = MemoryScope.open()) {
            t = cpu.zeros(DType.F32, 4, 6);
            view = t.reshape(24).slice(2, 5);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, t::floats);
        assertTrue(e.getMessage().contains("MemoryScope"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> view.getFlat(0));
        assertThrows(IllegalStateException.class, () -> t.setFlat(0, 1));
    }

    @Test void keptTensorsSurviveAndAreNeverRecycled() {
        Tensor kept;
        try (MemoryScope s = MemoryScope.open()) {
            kept = s.keep(cpu.zeros(DType.F32, 77));
            cpu.fill(kept, 3f);
            assertEquals(0, s.owned());
        }
        assertEquals(3.0, kept.getFlat(76));
        try (MemoryScope s = MemoryScope.open()) {
            assertNotSame(kept.floats(), cpu.zeros(DType.F32, 77).floats());
        }
    }

    @Test void suspendedAndF64AndUnscopedAllocationsAreOrdinaryHeap() {
        assertNull(MemoryScope.current());
        Tensor outside = cpu.zeros(DType.F32, 9);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor state;
            try (MemoryScope.Suspension u = MemoryScope.suspend()) {
                assertNull(MemoryScope.current());
                state = cpu.zeros(DType.F32, 9);
            }
            assertSame(s, MemoryScope.current());
            Tensor d = cpu.zeros(DType.F64, 9);
            assertEquals(0, s.owned());
            s.close();
            assertEquals(0.0, state.getFlat(0));
            assertEquals(0.0, d.getFlat(0));
        }
        assertEquals(0.0, outside.getFlat(0));
    }

    @Test void nestedScopesReleaseOnlyTheirOwnBuffers() {
        try (MemoryScope outer = MemoryScope.open()) {
            Tensor a = cpu.zeros(DType.F32, 10), b;
            try (MemoryScope inner = MemoryScope.open()) {
                b = cpu.zeros(DType.F32, 10);
                assertEquals(1, inner.owned());
            }
            assertSame(outer, MemoryScope.current());
            assertThrows(IllegalStateException.class, b::floats);
            assertFalse(((CpuStorage) a.storage()).released());
            assertEquals(1, outer.owned());
        }
        assertNull(MemoryScope.current());
    }

    @Test void thePoolIsBoundedAndClearable() {
        BufferPool small = new BufferPool(4 * 100);
        small.give(new float[60]);
        small.give(new float[60]); // would exceed 100 floats: dropped
        assertEquals(240, small.pooledBytes());
        assertNull(small.take(61));
        assertEquals(60, small.take(60).length);
        assertNull(small.take(60));
        small.give(new float[10]);
        small.clear();
        assertEquals(0, small.pooledBytes());
    }
}
