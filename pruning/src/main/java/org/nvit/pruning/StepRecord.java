package org.nvit.pruning;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.nvit.models.VitConfig;

/** The state after a pruning step (step 0 = the start): batches trained so far, table latency, dims, mean loss. */
public record StepRecord(@JsonProperty("step") int step, @JsonProperty("batches") long batches,
                         @JsonProperty("latency") double latency, @JsonProperty("dims") VitConfig dims,
                         @JsonProperty("loss") double loss, @JsonProperty("groups_pruned") int groupsPruned) {}
