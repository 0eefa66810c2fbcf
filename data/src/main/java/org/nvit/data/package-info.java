/**
 * Training data: sources, augmentation and a prefetching loader, on plain float arrays (no autograd).
 *
 * <p>How a training loop uses it:
 * <pre>{@code
 * DataSource src = DataSources.open(dataSpec, cfg.inChans(), cfg.imageSize(), cfg.numClasses());
 * src.checkModel(cfg.inChans(), cfg.numClasses());
 * AugmentConfig aug = AugmentConfig.defaultsFor(src, cfg.imageSize()).withOverrides(augFlag);
 * try (DataLoader train = DataLoader.train(src.train(), aug, batch, seed, workers);
 *      DataLoader val = DataLoader.eval(src.val(), aug, batch, workers)) {
 *     for (int epoch = startEpoch; epoch < epochs; epoch++)
 *         try (DataLoader.BatchIterator it = train.iterator(epoch, epoch == startEpoch ? startBatch : 0)) {
 *             while (it.hasNext()) {
 *                 Batch b = it.next();   // b.images() [B,C,H,W], b.targets() [B,classes] soft, b.index()
 *                 ...                    // loss = soft-target cross-entropy(model(b.images()), b.targets())
 *             }
 *         }
 * }
 * }</pre>
 * Batches depend only on (seed, epoch, batch index), so a checkpoint needs to store just the epoch and the next
 * batch index to resume exactly.
 */
package org.nvit.data;
