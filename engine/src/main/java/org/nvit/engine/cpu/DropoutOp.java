package org.nvit.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/**
 * Dropout masks bit-identical to {@link Rng#uniformAt}: the SplitMix64 hash runs in long lanes, and the test
 * u >= p is done on the 24-bit integer k behind u = k * 2^-24 (exact: k >= ceil(p * 2^24)), so no float
 * conversion can differ from the scalar path.
 */
final class DropoutOp {
    private DropoutOp() {}

    private static final VectorSpecies<Long> SL = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> SF =
            VectorSpecies.of(float.class, VectorShape.forBitSize(SL.length() * Float.SIZE));
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    static void dropoutMask(float p, long seed, Tensor mask) {
        float[] out = mask.floats();
        int o = mask.off(), n = (int) mask.numel(), lanes = SL.length();
        float keep = (float) (1.0 / (1.0 - p));
        long threshold = (long) Math.ceil(p * 16777216.0); // p is a float: p * 2^24 is exact
        LongVector iota = LongVector.zero(SL).addIndex(1);
        FloatVector keepV = FloatVector.broadcast(SF, keep), zero = FloatVector.zero(SF);
        Par.flat(n, 8, (from, to) -> {
            int i = from;
            for (; i <= to - lanes; i += lanes) {
                LongVector z = iota.add(i).mul(GOLDEN).add(seed);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
                VectorMask<Long> kept = z.lanewise(VectorOperators.LSHR, 40).compare(VectorOperators.GE, threshold);
                zero.blend(keepV, kept.cast(SF)).intoArray(out, o + i);
            }
            for (; i < to; i++) out[o + i] = Rng.uniformAt(seed, i) >= p ? keep : 0f;
        });
    }
}
