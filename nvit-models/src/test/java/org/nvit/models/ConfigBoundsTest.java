package org.nvit.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs read from files are bounded field by field, with the field, its value and the limit in the message. */
class ConfigBoundsTest {
    private static final String BASE = new VitConfig(28, 7, 1, 10, 32, false, 1e-6, null, List.of(new BlockSpec(2, 8, 8, 64))).toJson();

    private static String refusal(String from, String to) {
        String json = BASE.replace(from, to);
        assertTrue(!json.equals(BASE), "the test's replacement did not apply: " + from);
        return assertThrows(IllegalArgumentException.class, () -> VitConfig.fromJson(json)).getMessage();
    }

    @Test void everyFieldIsBounded() {
        assertTrue(refusal("\"image_size\":28,\"patch_size\":7", "\"image_size\":65536,\"patch_size\":1").contains("image_size 65536 is out of range"));
        String tokens = refusal("\"image_size\":28,\"patch_size\":7", "\"image_size\":4096,\"patch_size\":1");
        assertTrue(tokens.contains("gives 16777217 tokens; at most 65536"), tokens);
        assertTrue(refusal("\"patch_size\":7", "\"patch_size\":0").contains("multiple of patch_size 0"));
        assertTrue(refusal("\"in_chans\":1", "\"in_chans\":100000").contains("in_chans 100000"));
        assertTrue(refusal("\"num_classes\":10", "\"num_classes\":-3").contains("num_classes -3"));
        assertTrue(refusal("\"embed_dim\":32", "\"embed_dim\":1000000").contains("embed_dim 1000000"));
        assertTrue(refusal("\"layer_norm_eps\":1.0E-6", "\"layer_norm_eps\":-1").contains("layer_norm_eps"));
        assertTrue(refusal("\"heads\":2", "\"heads\":5000").contains("heads 5000"));
        assertTrue(refusal("\"mlp_dim\":64", "\"mlp_dim\":0").contains("mlp_dim 0"));
        assertTrue(refusal("\"image_size\":28", "\"image_size\":28.5").contains("image_size"));
        assertTrue(refusal("\"blocks\":[", "\"blocks\":[null,").contains("block 0 of the config is null"));
        String big = BASE.replace("\"num_classes\":10", "\"num_classes\":1048576").replace("\"embed_dim\":32", "\"embed_dim\":65536");
        String many = assertThrows(IllegalArgumentException.class, () -> VitConfig.fromJson(big)).getMessage();
        assertTrue(many.contains("head.weight would hold 68719476736 weights"), many);
    }

    @Test void attnScaleMustBeFiniteAndSane() {
        for (String bad : List.of("1e308", "0", "-0.125", "\"NaN\"", "101"))
            assertTrue(refusal("{\"image_size\"", "{\"attn_scale\":" + bad + ",\"image_size\"").contains("attn_scale"), bad);
        VitConfig ok = VitConfig.fromJson(BASE.replace("{\"image_size\"", "{\"attn_scale\":0.125,\"image_size\""));
        assertEquals(0.125, ok.attnScale());
    }

    @Test void everyPresetIsWithinBounds() {
        for (String name : Presets.names()) assertTrue(Presets.byName(name).numTokens() > 0, name);
    }
}
