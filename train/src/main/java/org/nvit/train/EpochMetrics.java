package org.nvit.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One line of metrics.jsonl (and metrics.csv): the summary of one epoch, counted from 1; accuracies in %. */
public record EpochMetrics(
        @JsonProperty("epoch") int epoch,
        @JsonProperty("train_loss") double trainLoss,
        @JsonProperty("val_loss") double valLoss,
        @JsonProperty("val_top1") double valTop1,
        @JsonProperty("val_top5") double valTop5,
        @JsonProperty("lr") double lr,
        @JsonProperty("images_per_s") double imagesPerS,
        @JsonProperty("seconds") double seconds) {}
