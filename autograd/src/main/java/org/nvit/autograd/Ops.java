package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;

/** Small helpers shared by the op classes: allocation like an input, shape checks, host scalars. */
final class Ops {
    private Ops() {}

    static Backend be(Tensor t) { return Backends.of(t); }

    /** Zeros with t's dtype and device and the given shape. */
    static Tensor zeros(Tensor like, int... shape) { return be(like).zeros(like.dtype(), shape); }

    /** Zeros with t's dtype, device and shape. */
    static Tensor zerosLike(Tensor like) { return zeros(like, like.shape()); }

    /** An uninitialised output (the op overwrites every element) with like's dtype and device. */
    static Tensor empty(Tensor like, int... shape) { return be(like).empty(like.dtype(), shape); }

    /** An uninitialised output with like's dtype, device and shape. */
    static Tensor emptyLike(Tensor like) { return empty(like, like.shape()); }

    /** t with ref's dtype and device (copied only when they differ). */
    static Tensor like(Tensor t, Tensor ref) {
        if (t.dtype() == ref.dtype() && t.device() == ref.device()) return t;
        Tensor cpu = t.device() == Device.CPU ? t : Backends.of(t).toCpu(t);
        cpu = cpu.to(ref.dtype());
        return ref.device() == Device.CPU ? cpu : be(ref).fromCpu(cpu);
    }

    /** A [1] tensor holding v, with ref's dtype and device. */
    static Tensor scalar(double v, Tensor ref) {
        return like(Tensor.of(new double[] {v}, 1), ref);
    }

    /** gx = gy[0] * g, with gy a [1] tensor on the device (no host round trip). */
    static Tensor scaledBy(Tensor g, Tensor gy) {
        Tensor out = emptyLike(g);
        be(g).scaleSamples(g.reshape(1, -1), gy, out.reshape(1, -1));
        return out;
    }

    static String str(Tensor t) { return Shape.str(t.shape()); }

    static IllegalArgumentException bad(String op, String msg) {
        return new IllegalArgumentException(op + ": " + msg);
    }
}
