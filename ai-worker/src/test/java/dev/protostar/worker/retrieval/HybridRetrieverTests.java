package dev.protostar.worker.retrieval;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HybridRetrieverTests {

	private static final UUID DOC = UUID.randomUUID();

	private static final HybridRetriever.Hit A = hit(0), B = hit(1), C = hit(2), D = hit(3);

	@Test
	void reciprocalRankFusionAddsUpRanksAndDeduplicates() {
		// A: 1/61 + 1/63, B: 1/62 + 1/61, C: 1/63, D: 1/62.
		List<Passage> fused = HybridRetriever.fuse(List.of(List.of(A, B, C), List.of(B, D, A)), List.of(1.0, 1.0), 60,
				10);
		assertThat(fused).extracting(Passage::chunkIndex).containsExactly(1, 0, 3, 2);
		assertThat(fused.get(0).score()).isCloseTo(1.0 / 62 + 1.0 / 61, org.assertj.core.data.Offset.offset(1e-12));
	}

	@Test
	void aRankingOfWeightZeroOnlyBreaksNoTiesAndTheLimitHolds() {
		List<Passage> fused = HybridRetriever.fuse(List.of(List.of(A, B, C), List.of(B, D, A)), List.of(0.0, 1.0), 60,
				3);
		assertThat(fused).extracting(Passage::chunkIndex).containsExactly(1, 3, 0);
	}

	@Test
	void tiesKeepTheOrderOfFirstAppearance() {
		List<Passage> fused = HybridRetriever.fuse(List.of(List.of(A), List.of(B)), List.of(1.0, 1.0), 60, 10);
		assertThat(fused).extracting(Passage::chunkIndex).containsExactly(0, 1);
	}

	private static HybridRetriever.Hit hit(int index) {
		return new HybridRetriever.Hit(DOC, "title", index, "chunk " + index);
	}

}
