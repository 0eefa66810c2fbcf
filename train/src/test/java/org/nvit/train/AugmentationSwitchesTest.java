package org.nvit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nvit.data.AugmentConfig;

/** The train command's switches on top of each data set's default augmentation. */
class AugmentationSwitchesTest {

    private static TrainOptions opts() { return new TrainOptions(); }

    @Test void noRandomCropTurnsOffCifarsPadCrop() {
        AugmentConfig base = AugmentConfig.defaultsFor("cifar10", 3, 32);
        assertEquals(4, base.padCrop());
        TrainOptions o = opts();
        o.randomCrop = false;
        AugmentConfig a = Trainer.augmentation(base, o);
        assertEquals(0, a.padCrop());
        assertFalse(a.randomResizedCrop());
        assertEquals(base.hflip(), a.hflip());
    }

    @Test void noRandomCropTurnsOffRandomResizedCrop() {
        TrainOptions o = opts();
        o.randomCrop = false;
        AugmentConfig a = Trainer.augmentation(AugmentConfig.defaultsFor("imagefolder", 3, 224), o);
        assertFalse(a.randomResizedCrop());
        assertEquals(0, a.padCrop());
    }

    @Test void randomCropKeepsTheDefaultCropOrAddsOne() {
        TrainOptions o = opts();
        o.randomCrop = true;
        AugmentConfig cifar = AugmentConfig.defaultsFor("cifar10", 3, 32);
        assertEquals(4, Trainer.augmentation(cifar, o).padCrop());
        AugmentConfig fm = Trainer.augmentation(AugmentConfig.defaultsFor("fashion-mnist", 1, 28), o);
        assertEquals(2, fm.padCrop());   // Fashion-MNIST has no crop by default: on means a pad-2 crop
        assertFalse(fm.randomResizedCrop());
        assertTrue(Trainer.augmentation(AugmentConfig.defaultsFor("synthetic", 3, 224), o).randomResizedCrop());
    }

    @Test void noSwitchesLeaveTheDefaults() {
        AugmentConfig base = AugmentConfig.defaultsFor("cifar10", 3, 32);
        assertSame(base, Trainer.augmentation(base, opts()));
    }
}
