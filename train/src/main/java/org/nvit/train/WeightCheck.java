package org.nvit.train;

import java.util.Map;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;

/**
 * Finds a tensor holding NaN or infinity among weights on any device, with one read back: the per-tensor sums of
 * squares go into one vector on the device (a single value that is not finite means the tensor is not).
 */
public final class WeightCheck {
    private WeightCheck() {}

    /** The name of the first tensor that is not all finite, or null when all are. */
    public static String firstNonFinite(Map<String, Tensor> tensors) {
        if (tensors.isEmpty()) return null;
        Tensor first = tensors.values().iterator().next();
        Backend be = Backends.of(first);
        String[] names = tensors.keySet().toArray(String[]::new);
        float[] sums;
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor acc = be.zeros(first.dtype(), names.length);
            int i = 0;
            for (Tensor t : tensors.values()) {
                Tensor flat = t.reshape(-1);
                if (t.numel() > 0) be.dotAlong(flat, flat, 1, Math.toIntExact(t.numel()), 1f, acc.slice(i, i + 1));
                i++;
            }
            sums = (acc.device() == org.nvit.engine.Device.CPU ? acc : be.toCpu(acc)).toFloatArray();
        }
        for (int i = 0; i < names.length; i++) if (!Float.isFinite(sums[i])) return names[i];
        return null;
    }
}
