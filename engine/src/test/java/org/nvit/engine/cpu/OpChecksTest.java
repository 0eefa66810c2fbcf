package org.nvit.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;
import org.nvit.engine.ref.ReferenceBackend;

/** Shape mistakes fail on both CPU backends with one line that names the op (not an index error in a kernel). */
class OpChecksTest {
    static void fails(String op, Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(op + ":") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test void badShapesAreRejected() {
        for (Backend b : new Backend[]{CpuBackend.instance(), ReferenceBackend.INSTANCE}) {
            Tensor x = Tensor.zeros(4, 6), y = Tensor.zeros(4, 6);
            fails("add", () -> b.add(x, Tensor.zeros(4, 5), y));
            fails("axpy", () -> b.axpy(1f, x, Tensor.zeros(23)));
            fails("gelu", () -> b.gelu(x, Tensor.zeros(5)));
            fails("addBias", () -> b.addBias(x, Tensor.zeros(5)));
            fails("sumRows", () -> b.sumRows(x, Tensor.zeros(5), false));
            fails("softmax", () -> b.softmax(x, 1f, Tensor.zeros(3, 6)));
            fails("layerNorm", () -> b.layerNorm(x, Tensor.zeros(5), Tensor.zeros(6), 1e-6f, y, Tensor.zeros(4), Tensor.zeros(4)));
            fails("layerNorm", () -> b.layerNorm(x, Tensor.zeros(6), Tensor.zeros(6), 1e-6f, y, Tensor.zeros(3), Tensor.zeros(4)));
            fails("layerNormBackward", () -> b.layerNormBackward(x, y, Tensor.zeros(6), Tensor.zeros(4), Tensor.zeros(4),
                    Tensor.zeros(4, 6), Tensor.zeros(7), null));
            fails("crossEntropySoft", () -> b.crossEntropySoft(x, Tensor.zeros(4, 5), null, 1f));
            fails("patchify", () -> b.patchify(Tensor.zeros(1, 3, 8, 8), 4, Tensor.zeros(1, 4, 47)));
            fails("patchify", () -> b.patchify(Tensor.zeros(3, 8, 8), 4, Tensor.zeros(1, 4, 48)));
            fails("unpatchify", () -> b.unpatchify(Tensor.zeros(1, 5, 48), 4, Tensor.zeros(1, 3, 8, 8)));
            fails("splitHeads", () -> b.splitHeads(Tensor.zeros(2, 5, 12), 5, Tensor.zeros(2, 5, 5, 2)));
            fails("splitHeads", () -> b.splitHeads(Tensor.zeros(2, 5, 12), 3, Tensor.zeros(2, 3, 4, 5)));
            fails("mergeHeads", () -> b.mergeHeads(Tensor.zeros(2, 3, 5, 4), Tensor.zeros(2, 5, 13)));
            fails("concatLast", () -> b.concatLast(new Tensor[]{Tensor.zeros(4, 2), Tensor.zeros(4, 3)}, x));
            fails("concatLast", () -> b.concatLast(new Tensor[]{Tensor.zeros(4, 2), Tensor.zeros(3, 4)}, x));
            fails("splitLast", () -> b.splitLast(x, new Tensor[]{Tensor.zeros(4, 2), Tensor.zeros(4, 5)}));
            fails("dropoutMask", () -> b.dropoutMask(1.5f, 1, x));
            fails("scaleSamples", () -> b.scaleSamples(x, Tensor.zeros(3), y));
            fails("adamw", () -> b.adamw(x, y, Tensor.zeros(24), Tensor.zeros(23), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1));
            fails("adamw", () -> b.adamw(x, y, Tensor.zeros(24), Tensor.zeros(24), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 0));
        }
    }
}
