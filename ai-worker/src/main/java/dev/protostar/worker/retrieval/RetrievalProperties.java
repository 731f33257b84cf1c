package dev.protostar.worker.retrieval;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How passages are found (see application.properties and HybridRetriever).
 *
 * @param rrfK the constant k of reciprocal rank fusion: a passage scores the sum of
 * 1/(k + rank) over the rankings it is in; 60 is the value of the original paper
 * (Cormack et al., 2009), larger flattens the advantage of the first ranks
 * @param candidates each ranking contributes this many times the requested number of
 * passages to the fusion, so a passage ranked modestly by both can still win
 * @param efSearch pgvector's hnsw.ef_search for the kNN side: the size of the
 * candidate list the index walks (recall against latency; scripts/bench/retrieval
 * measures both); raised to the candidate depth when that is larger
 * @param maxScanTuples pgvector's hnsw.max_scan_tuples: how many index tuples an
 * iterative scan may visit to find enough passages the reader may see before it stops
 * @param backfillBatch chunks tokenised per transaction by the lexical backfill
 * @param backfillInterval how often the backfill looks for chunks without terms (written
 * by a worker of the previous release during a rolling deploy); 0 only at start-up
 */
@Validated
@ConfigurationProperties("protostar.retrieval")
public record RetrievalProperties(
		@DefaultValue("60") @Min(1) @Max(10000) int rrfK,
		@DefaultValue("4") @Min(1) @Max(50) int candidates,
		@DefaultValue("40") @Min(1) @Max(1000) int efSearch,
		@DefaultValue("20000") @Min(1) int maxScanTuples,
		@DefaultValue("500") @Min(1) @Max(100000) int backfillBatch,
		@DefaultValue("10m") Duration backfillInterval) {
}
