package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official NViT table format (latency_head.json) as the official code interpolates it. */
class NvitTableImportTest {
    static final int[] EMB = {256, 512}, H = {1, 3}, QK = {1, 16}, V = {1, 16}, MLP = {1, 128, 256};

    static double f(int e, int h, int q, int v, int m) { return 1e-5 * (e + 10 * h * (q + v) + m) + 1e-3; }

    /** A small file in the official nesting, optionally without one entry. */
    static Path file(Path dir, boolean complete) throws Exception {
        StringBuilder b = new StringBuilder("{");
        for (int e : EMB) {
            b.append(b.length() > 1 ? "," : "").append("\"EMB_").append(e).append("\":{");
            boolean firstQ = true;
            for (int h : H) for (int q : QK) {
                b.append(firstQ ? "" : ",").append("\"QK_").append(h).append('_').append(q).append("\":{");
                firstQ = false;
                for (int vi = 0; vi < V.length; vi++) {
                    b.append(vi == 0 ? "" : ",").append("\"V_").append(V[vi]).append("\":{");
                    for (int mi = 0; mi < MLP.length; mi++) {
                        if (!complete && e == 512 && h == 3 && q == 16 && V[vi] == 1 && MLP[mi] == 128) continue;
                        b.append(mi == 0 ? "" : ",").append("\"MLP_").append(MLP[mi]).append("\":").append(f(e, h, q, V[vi], MLP[mi]));
                    }
                    b.append('}');
                }
                b.append('}');
            }
            b.append('}');
        }
        b.append('}');
        return Files.writeString(dir.resolve(complete ? "latency_head.json" : "partial.json"), b.toString().replace("{,", "{"));
    }

    @Test void importsTheGridWithTheOfficialZeroSliceAndMlpAtZero(@TempDir Path dir) throws Exception {
        LatencyTable t = NvitTableImport.read(file(dir, true), 198, 256);
        LatencyTable.Grid g = t.data().grid();
        assertArrayEquals(new int[] {0, 256, 512}, g.emb());
        assertArrayEquals(new int[] {0, 128, 256}, g.mlp());
        assertEquals(198, t.data().tokens());
        assertEquals(256, t.data().batch());
        assertEquals(0, t.fixedSeconds(), 0);
        for (int e : EMB) for (int h : H) for (int q : QK) for (int v : V) for (int m : MLP)
            assertEquals(f(e, h, q, v, m), t.block(e, h, q, v, m == 1 ? 0 : m), 1e-15);
        assertEquals(0, t.block(0, 3, 16, 16, 256), 0);                              // the zero slice
        assertEquals(0.5 * f(256, 3, 16, 16, 256), t.block(128, 3, 16, 16, 256), 1e-15); // linear down to 0 below EMB 256
    }

    @Test void anIncompleteOrForeignFileIsRefusedNamingWhatIsWrong(@TempDir Path dir) throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> NvitTableImport.read(file(dir, false), 198, 256));
        assertTrue(e.getMessage().contains("1 entries missing") && e.getMessage().contains("EMB 512, heads 3, QK 16, V 1, MLP 128"), e.getMessage());
        Path foreign = Files.writeString(dir.resolve("x.json"), "{\"values\": [1, 2]}");
        var f = assertThrows(IllegalArgumentException.class, () -> NvitTableImport.read(foreign, 198, 256));
        assertTrue(f.getMessage().contains("unexpected key 'values'"), f.getMessage());
    }
}
