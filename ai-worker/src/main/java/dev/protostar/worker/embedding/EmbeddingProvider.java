package dev.protostar.worker.embedding;

import java.util.List;

/**
 * Turns texts into vectors. Every vector a provider returns has {@link #dimension()}
 * components and is comparable only with vectors of the same {@link #model()}: the
 * model name is stored with each chunk, and a document embedded by another model is
 * re-embedded rather than mixed.
 */
public interface EmbeddingProvider {

	/** The model's name as recorded with chunks, e.g. {@code all-minilm-l6-v2-q}. */
	String model();

	int dimension();

	/** The most texts one {@link #embed(List)} call should be given. */
	int maxBatchSize();

	/**
	 * Embeds texts, in order: the i-th result belongs to the i-th text.
	 * @throws EmbeddingException when the model or its server fails; see
	 * {@link EmbeddingException#retryable()}
	 */
	List<Embedding> embed(List<String> texts);

	/**
	 * One text's vector.
	 * @param vector {@link #dimension()} components
	 * @param tokens tokens the model read, or -1 when the provider does not say
	 */
	record Embedding(float[] vector, int tokens) {
	}

}
