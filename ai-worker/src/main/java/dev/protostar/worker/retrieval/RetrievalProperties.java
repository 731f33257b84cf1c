package dev.protostar.worker.retrieval;

import java.time.Duration;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
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
 * candidate list the index walks, recall against latency. At 100,000 chunks
 * (scripts/bench/retrieval, four runs) pgvector's default of 40 found 0.84-0.87 of the
 * exact top 10 for a PUBLIC reader, 200 found 0.947-0.973 at p50 2.3-2.4 ms, 400
 * 0.966-0.982 at 2.9-3.3 ms: 400 stays above the goal of 0.95 for under a millisecond;
 * raised to the candidate depth when that is larger
 * @param maxScanTuples pgvector's hnsw.max_scan_tuples: how many index tuples an
 * iterative scan may visit to find enough passages the reader may see before it stops
 * @param cjkVectorWeight the weight of the kNN ranking in the fusion for a question
 * written in Hangul, Han or kana (a mixed question gets a weight in between by its
 * share of such terms); the lexical ranking always weighs 1. Unset: 0 with the
 * in-process model, which is trained on English and ranks Korean text close to
 * randomly (on the evaluation set, recall@5 0.44 against the lexical ranking's 1.0, and
 * any weight above 0 lowered hybrid MRR: scripts/bench/retrieval-quality), and 1 with an
 * OpenAI-compatible server, which is there to serve a multilingual model
 * @param commonTermChunks a question's term found in more chunks than this is left out
 * of its lexical query (unless every term is): ranking every chunk that has it would cost
 * more than it tells (CommonTerms)
 * @param backfillBatch chunks tokenised per transaction by the lexical backfill
 * @param upkeepInterval how often the worker looks for chunks without terms (written by
 * a worker of the previous release during a rolling deploy) and counts common terms
 * again; 0: only at start-up
 */
@Validated
@ConfigurationProperties("protostar.retrieval")
record RetrievalProperties(
		@DefaultValue("60") @Min(1) @Max(10000) int rrfK,
		@DefaultValue("4") @Min(1) @Max(50) int candidates,
		@DefaultValue("400") @Min(1) @Max(1000) int efSearch,
		@DefaultValue("20000") @Min(1) int maxScanTuples,
		@DecimalMin("0") @DecimalMax("1") Double cjkVectorWeight,
		@DefaultValue("5000") @Min(1) int commonTermChunks,
		@DefaultValue("500") @Min(1) @Max(100000) int backfillBatch,
		@DefaultValue("10m") Duration upkeepInterval) {
}
