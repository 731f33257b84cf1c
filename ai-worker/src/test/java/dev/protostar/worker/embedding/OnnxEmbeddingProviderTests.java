package dev.protostar.worker.embedding;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged model, loaded from the jar (no network). */
class OnnxEmbeddingProviderTests {

	static final OnnxEmbeddingProvider provider = new OnnxEmbeddingProvider(16, 2);

	@AfterAll
	static void close() {
		provider.close();
	}

	@Test
	void embedsInOrderWith384Dimensions() {
		List<String> texts = List.of("Employees get fifteen days of annual leave.",
				"How many vacation days do I have per year?", "The server room must stay locked at night.");
		List<EmbeddingProvider.Embedding> embeddings = provider.embed(texts);

		assertThat(provider.model()).isEqualTo("all-minilm-l6-v2-q");
		assertThat(embeddings).hasSize(3).allSatisfy((e) -> {
			assertThat(e.vector()).hasSize(384);
			assertThat(e.tokens()).isPositive();
		});
		double related = cosine(embeddings.get(0).vector(), embeddings.get(1).vector());
		double unrelated = cosine(embeddings.get(1).vector(), embeddings.get(2).vector());
		assertThat(related).isGreaterThan(unrelated + 0.1);
	}

	@Test
	void sameTextSameVector() {
		float[] a = provider.embed(List.of("deterministic")).get(0).vector();
		float[] b = provider.embed(List.of("other", "deterministic")).get(1).vector();
		assertThat(cosine(a, b)).isGreaterThan(0.9999);
	}

	@Test
	void koreanIsEmbeddedToo() {
		// English-centric model: Korean gets a vector (of little meaning), never an error.
		assertThat(provider.embed(List.of("연차 휴가는 며칠인가요?")).get(0).vector()).hasSize(384);
	}

	static double cosine(float[] a, float[] b) {
		double dot = 0;
		double na = 0;
		double nb = 0;
		for (int i = 0; i < a.length; i++) {
			dot += a[i] * b[i];
			na += a[i] * a[i];
			nb += b[i] * b[i];
		}
		return dot / Math.sqrt(na * nb);
	}

}
