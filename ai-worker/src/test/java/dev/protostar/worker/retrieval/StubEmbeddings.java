package dev.protostar.worker.retrieval;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.protostar.worker.embedding.EmbeddingProvider;

/**
 * A stand-in model for retrieval tests: the vector a test chose for a text, or a
 * deterministic one derived from the text's hash.
 */
final class StubEmbeddings implements EmbeddingProvider {

	final Map<String, float[]> vectors = new ConcurrentHashMap<>();

	private final String model;

	private final int dimension;

	StubEmbeddings(String model, int dimension) {
		this.model = model;
		this.dimension = dimension;
	}

	@Override
	public String model() {
		return this.model;
	}

	@Override
	public int dimension() {
		return this.dimension;
	}

	@Override
	public int maxBatchSize() {
		return 64;
	}

	@Override
	public List<Embedding> embed(List<String> texts) {
		List<Embedding> result = new ArrayList<>();
		for (String text : texts) {
			float[] vector = this.vectors.get(text);
			if (vector == null) {
				vector = new float[this.dimension];
				byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
				for (int i = 0; i < bytes.length; i++) {
					vector[Math.floorMod(bytes[i] * 31 + i, this.dimension)] += 1;
				}
				vector[0] += 0.01f;
			}
			result.add(new Embedding(vector, -1));
		}
		return result;
	}

	/** The unit vector along axis {@code i} plus {@code weight} times axis {@code j}, normalised. */
	static float[] towards(int dimension, int i, int j, double weight) {
		float[] vector = new float[dimension];
		vector[i] = 1;
		vector[j] += (float) weight;
		return normalised(vector);
	}

	static float[] normalised(float[] vector) {
		double norm = 0;
		for (float v : vector) {
			norm += v * v;
		}
		float scale = (float) (1 / Math.sqrt(norm));
		float[] result = new float[vector.length];
		for (int i = 0; i < vector.length; i++) {
			result[i] = vector[i] * scale;
		}
		return result;
	}

}
