package org.nvit.data;

/** One data set element: the decoded image (values in [0, 1]) and its class index. */
public record Sample(Image image, int label) {}
