package org.nvit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.autograd.optim.AdamW;
import org.nvit.autograd.optim.GradClip;
import org.nvit.engine.BufferPool;
import org.nvit.engine.DType;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;

/**
 * Training with recycled buffers equals training without them (to float rounding). Recycled buffers are poisoned with NaN,
 * so an op that allocates its output uninitialised ({@code empty}) but leaves part of it unwritten cannot pass.
 */
class ScopedTrainingTest {
    /** Distilled, ragged (QK width != V width in block 1), odd sizes: every op of the forward and backward. */
    static final VitConfig CFG = new VitConfig(12, 4, 3, 7, 24, true, 1e-6, null,
            List.of(new BlockSpec(2, 8, 8, 40), new BlockSpec(3, 4, 6, 20), new BlockSpec(1, 16, 8, 36)));

    @AfterEach void unpoison() { BufferPool.poison(false); }

    @Test void pooledStepsEqualFreshAllocationExactly() {
        Map<String, Tensor> fresh = train(false);
        BufferPool.poison(true);
        Map<String, Tensor> pooled = train(true);
        assertEquals(fresh.keySet(), pooled.keySet());
        for (String k : fresh.keySet()) {
            float[] a = fresh.get(k).toFloatArray(), b = pooled.get(k).toFloatArray();
            // The key bias has an exactly zero gradient in theory: AdamW turns its rounding noise into lr-sized steps,
            // so it is only checked for NaN (the K third of a fused qkv bias, or a separate k bias).
            boolean keyBias = k.endsWith("attn.k.bias");
            int kFrom = k.endsWith("attn.qkv.bias") ? a.length / 3 : 0, kTo = k.endsWith("attn.qkv.bias") ? 2 * a.length / 3 : 0;
            double diff = 0, norm = 0;
            for (int i = 0; i < a.length; i++) {
                assertTrue(Float.isFinite(b[i]), k + "[" + i + "] is " + b[i]);
                if (keyBias || (i >= kFrom && i < kTo)) continue;
                diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
                norm += a[i] * (double) a[i];
            }
            // Not bit for bit: the same kernels round differently in the interpreter, C1 and C2 (~1e-7), and AdamW
            // magnifies that; a buffer read before it was written would be NaN (poison) or far off.
            assertTrue(Math.sqrt(diff) <= 1e-4 * Math.sqrt(norm) + 1e-9, k + ": relative L2 difference "
                    + Math.sqrt(diff / Math.max(norm, 1e-30)));
        }
    }

    /** Four AdamW steps with drop-path, both heads, soft targets and KL to a fixed teacher; returns the weights. */
    private static Map<String, Tensor> train(boolean scoped) {
        VisionTransformer model = new VisionTransformer(CFG, 5);
        AdamW opt = new AdamW(model.parameters().values(), 1e-2, 0.05);
        Rng data = new Rng(9);
        for (int step = 0; step < 4; step++) {
            Tensor images = Tensor.randn(DType.F32, data, 1.0, 5, 3, 12, 12);
            Tensor teacher = Tensor.randn(DType.F32, data, 2.0, 5, 7);
            int[] labels = {0, 3, 6, 2, 3};
            try (MemoryScope scope = scoped ? MemoryScope.open() : null) {
                VisionTransformer.Output out = model.forward(Var.constant(images), true, 0.3, new Rng(100 + step));
                Var loss = F.weightedSum(F.crossEntropy(out.cls(), labels, 0.1), 0.5,
                        F.klDiv(out.dist(), teacher, 2.0), 0.5);
                loss.backward();
                GradClip.clipGlobalNorm(model.parameters().values(), 1.0);
                opt.step();
                opt.zeroGrad();
                model.predict(images); // an evaluation forward inside the same scope
            }
        }
        Map<String, Tensor> copy = new java.util.LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> copy.put(k, v.copy()));
        return copy;
    }
}
