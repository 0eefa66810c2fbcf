package org.nvit.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The optional global_pool field: absent = cls token (JSON unchanged), "avg" round-trips, bad values are refused. */
class GlobalPoolConfigTest {
    static final VitConfig BASE = VitConfig.uniform(28, 7, 1, 10, 64, 2, new BlockSpec(2, 32, 32, 128), false);

    @Test void defaultIsTheClsTokenAndStaysOutOfTheJson() {
        assertFalse(BASE.avgPool());
        assertFalse(BASE.toJson().contains("global_pool"));
        assertEquals(BASE, VitConfig.fromJson(BASE.toJson().replace("}]", "}], \"global_pool\": \"token\"")));
    }

    @Test void averagePoolingRoundTripsAndSurvivesTheWithers() {
        VitConfig avg = BASE.withGlobalPool("avg");
        assertTrue(avg.toJson().contains("\"global_pool\":\"avg\""), avg.toJson());
        assertEquals(avg, VitConfig.fromJson(avg.toJson()));
        assertTrue(avg.withEmbedDim(48).withBlocks(BASE.blocks()).withNumClasses(3).avgPool());
        assertEquals(1, avg.numPrefixTokens());
        assertEquals(17, avg.numTokens());
    }

    @Test void badValuesAndDistillationAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> BASE.withGlobalPool("max"));
        assertTrue(e.getMessage().contains("global_pool"), e.getMessage());
        VitConfig distilled = VitConfig.uniform(28, 7, 1, 10, 64, 2, new BlockSpec(2, 32, 32, 128), true);
        e = assertThrows(IllegalArgumentException.class, () -> distilled.withGlobalPool("avg"));
        assertTrue(e.getMessage().contains("distilled"), e.getMessage());
    }
}
