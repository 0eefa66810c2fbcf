package org.nvit.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.engine.Tensor;

/**
 * Test-only reader for the F64 safetensors fixtures that tests/fixtures/make_model_fixtures.py writes (trusted,
 * committed files; the product reader with full validation lives in org.nvit.weights).
 */
final class FixtureFile {
    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    final VitConfig config;

    FixtureFile(String resource) throws IOException {
        byte[] all;
        try (InputStream in = FixtureFile.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing test resource " + resource + " (run tests/fixtures/make_model_fixtures.py)");
            all = in.readAllBytes();
        }
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) bb.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, headerLen, java.nio.charset.StandardCharsets.UTF_8));
        int base = 8 + headerLen;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode shapeNode = e.getValue().get("shape");
            int[] shape = new int[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asInt();
            long start = e.getValue().get("data_offsets").get(0).asLong();
            double[] d = new double[(int) org.nvit.engine.Shape.numel(shape)];
            for (int i = 0; i < d.length; i++) d[i] = bb.getDouble(base + (int) start + 8 * i);
            tensors.put(e.getKey(), Tensor.of(d, shape));
        }
        JsonNode cfg = header.path("__metadata__").get("nvit.config");
        config = cfg == null ? null : VitConfig.fromJson(cfg.asText()); // tensor-only fixtures have none
    }

    Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("fixture has no tensor " + name);
        return t;
    }

    /** Entries "prefix.<name>" with the prefix removed. */
    Map<String, Tensor> withPrefix(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v); });
        return out;
    }

    int[] labels() {
        double[] d = get("labels").toDoubleArray();
        int[] l = new int[d.length];
        for (int i = 0; i < d.length; i++) l[i] = (int) d[i];
        return l;
    }
}
