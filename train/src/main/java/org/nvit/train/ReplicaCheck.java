package org.nvit.train;

import java.util.Map;
import org.nvit.distributed.Communicator;
import org.nvit.engine.Tensor;

/**
 * Asserts that every rank of a data-parallel job holds the same state (weights, masks), bit for bit: a 64-bit hash
 * of it, as four 16-bit parts (exact in float), is all-reduced with MAX over [parts, -parts]; the ranks agree iff
 * every part's maximum equals its minimum. One small all-reduce, and every rank learns the outcome together, so all
 * of them fail at the same point instead of one waiting forever in the next collective.
 */
public final class ReplicaCheck {
    /** The ranks' states differ. */
    public static final class Diverged extends IllegalStateException {
        Diverged(String msg) { super(msg); }
    }

    private ReplicaCheck() {}

    /** The hash of named tensors (names and float bits, in the map's order) and extra float arrays. */
    public static long hash(Map<String, Tensor> tensors, float[]... extra) {
        long h = 0xcbf29ce484222325L;
        for (var e : tensors.entrySet()) {
            h = mix(h, e.getKey().hashCode());
            for (float v : e.getValue().toFloatArray()) h = mix(h, Float.floatToRawIntBits(v));
        }
        for (float[] a : extra) {
            h = mix(h, a.length);
            for (float v : a) h = mix(h, Float.floatToRawIntBits(v));
        }
        return h;
    }

    private static long mix(long h, int v) {
        h ^= v;
        h *= 0x100000001b3L; // FNV-1a step on 32-bit words
        return h ^ (h >>> 29);
    }

    /** Throws {@link Diverged} on every rank, naming {@code what}, unless all ranks passed the same hash. */
    public static void verify(Communicator comm, String what, long hash) {
        if (comm.size() == 1) return;
        float[] v = new float[8];
        for (int i = 0; i < 4; i++) {
            v[i] = (hash >>> (16 * i)) & 0xFFFF;
            v[4 + i] = -v[i];
        }
        comm.allReduce(v, Communicator.Op.MAX);
        for (int i = 0; i < 4; i++)
            if (v[i] != -v[4 + i])
                throw new Diverged("the " + comm.size() + " ranks hold different " + what + " (checksums differ); a rank computed"
                        + " differently (another build, device or data?); restart from the last checkpoint with the same build on every rank");
    }
}
