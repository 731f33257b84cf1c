package dev.protostar.worker.retrieval;

/** Which rankings a search uses; the evaluation compares them, production uses {@link #HYBRID}. */
enum RetrievalMode {

	/** pgvector kNN over the configured embedding model's vectors. */
	VECTOR,

	/** The lexical ranking of {@link LexicalTerms}. */
	LEXICAL,

	/** Both, fused by reciprocal rank. */
	HYBRID

}
