package dev.protostar.worker.ingestion;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.protostar.worker.embedding.EmbeddingProvider;

/**
 * A deterministic stand-in model (vectors from the text's SHA-256, or the one a test
 * chose for a text) that counts what it embeds and lets a test act before each batch:
 * fail, crash, delete the document.
 */
public final class FakeEmbeddingProvider implements EmbeddingProvider {

	interface BeforeBatch {

		void run(int batch, List<String> texts);

	}

	private final String model;

	private final int dimension;

	private final int batchSize;

	final AtomicInteger texts = new AtomicInteger();

	final AtomicInteger batches = new AtomicInteger();

	volatile BeforeBatch beforeBatch = (batch, texts) -> {
	};

	/** Vectors chosen by a test, by text; any other text gets its hash's. */
	public final Map<String, float[]> chosen = new ConcurrentHashMap<>();

	public FakeEmbeddingProvider(String model, int dimension, int batchSize) {
		this.model = model;
		this.dimension = dimension;
		this.batchSize = batchSize;
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
		return this.batchSize;
	}

	@Override
	public List<Embedding> embed(List<String> input) {
		this.beforeBatch.run(this.batches.incrementAndGet(), input);
		List<Embedding> result = new ArrayList<>();
		for (String text : input) {
			if (this.chosen.containsKey(text)) {
				result.add(new Embedding(this.chosen.get(text), text.length() / 4));
				continue;
			}
			ByteBuffer hash = ByteBuffer.wrap(java.util.HexFormat.of().parseHex(VectorIndexes.sha256(this.model + text)));
			float[] vector = new float[this.dimension];
			for (int i = 0; i < vector.length; i++) {
				vector[i] = hash.get(i % 32) / 128f + 0.01f;
			}
			result.add(new Embedding(vector, text.length() / 4));
		}
		this.texts.addAndGet(input.size());
		return result;
	}

	/** Stands for the worker process dying mid-job: no catch block of the worker sees it. */
	static final class SimulatedCrash extends Error {

		SimulatedCrash() {
			super("simulated crash (the worker process died)");
		}

	}

}
