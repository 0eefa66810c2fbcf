package org.nvit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Views (reshape, slice) share storage; copies do not; bad shapes and indices fail with a clear message. */
class TensorTest {
    static Tensor iota(int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, i);
        return t;
    }

    @Test void reshapeIsAViewOverTheSameStorage() {
        Tensor t = iota(2, 3, 4), r = t.reshape(6, -1);
        assertArrayEquals(new int[]{6, 4}, r.shape());
        assertSame(t.storage(), r.storage());
        r.set(-1, 5, 3);
        assertEquals(-1, t.get(1, 2, 3));
        assertEquals(6, t.rows());
        assertEquals(4, t.dim(-1));
    }

    @Test void sliceIsAViewAtAnOffset() {
        Tensor t = iota(4, 3), s = t.slice(1, 3);
        assertArrayEquals(new int[]{2, 3}, s.shape());
        assertEquals(3, s.offset());
        assertEquals(3, s.getFlat(0));
        s.setFlat(5, 99);
        assertEquals(99, t.get(2, 2));
        assertEquals(0, t.slice(2, 2).numel());
        Tensor ss = s.slice(1, 2).reshape(3); // a view of a view
        assertEquals(6, ss.offset());
        assertEquals(99, ss.getFlat(2));
    }

    @Test void copiesDoNotShare() {
        Tensor t = iota(3, 2), c = t.copy(), d = t.to(DType.F64);
        assertNotSame(t.storage(), c.storage());
        c.setFlat(0, 42);
        d.setFlat(1, 43);
        assertEquals(0, t.getFlat(0));
        assertEquals(1, t.getFlat(1));
        assertEquals(DType.F64, d.dtype());
        assertArrayEquals(new float[]{2, 3}, t.slice(1, 2).toFloatArray());
    }

    @Test void badShapesThrowWithTheShapesInTheMessage() {
        Tensor t = iota(2, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
        assertTrue(e.getMessage().contains("6") && e.getMessage().contains("[4, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, -1));
        assertTrue(e.getMessage().contains("cannot reshape"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -3));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("5 values") && e.getMessage().contains("[2, 3]"), e.getMessage());
        var o = assertThrows(IndexOutOfBoundsException.class, () -> t.slice(1, 3));
        assertTrue(o.getMessage().contains("[1, 3)") && o.getMessage().contains("[2, 3]"), o.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(2, 1));
        o = assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
        assertTrue(o.getMessage().contains("[2, 3]"), o.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.get(0));
        assertTrue(e.getMessage().contains("rank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Tensor(t.storage(), 4, 3));
        assertTrue(e.getMessage().contains("outside storage"), e.getMessage());
    }

    @Test void dtypeMismatchedAccessIsRefused() {
        Tensor d = Tensor.zeros(DType.F64, 3);
        var e = assertThrows(IllegalStateException.class, d::floats);
        assertTrue(e.getMessage().contains("F64"), e.getMessage());
    }
}
