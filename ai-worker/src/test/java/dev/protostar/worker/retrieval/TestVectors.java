package dev.protostar.worker.retrieval;

/** Vectors a retrieval test places on purpose. */
final class TestVectors {

	private TestVectors() {
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
