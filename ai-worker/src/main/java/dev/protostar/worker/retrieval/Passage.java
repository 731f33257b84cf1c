package dev.protostar.worker.retrieval;

import java.util.UUID;

/**
 * One retrieved chunk, with what a citation needs: the document, its title and
 * the chunk's position. {@code score} is the fused rank score (higher is better);
 * it orders passages and is not comparable across questions.
 */
public record Passage(UUID documentId, String documentTitle, int chunkIndex, String content, double score) {
}
