package dev.protostar.worker.answer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CitationsTests {

	@Test
	void markersNameThePassagesInAscendingOrderOnceEach() {
		assertThat(Citations.cited("A [2]. B [1][2]. C [2, 1].", Passages.leave())).extracting(Citation::n)
			.containsExactly(1, 2);
	}

	@Test
	void markersNamingNoPassageAreDropped() {
		assertThat(Citations.cited("A [0]. B [3]. C [12]. D [1, 9].", Passages.leave())).extracting(Citation::n)
			.containsExactly(1);
		assertThat(Citations.cited("Nothing cited, [a] [] [-1]", Passages.leave())).isEmpty();
	}

	@Test
	void aCitationCarriesThePassagesDocumentTitleChunkAndAnExcerpt() {
		Citation citation = Citations.cited("[2]", Passages.leave()).get(0);
		assertThat(citation.documentId()).isEqualTo(Passages.HANDBOOK);
		assertThat(citation.title()).isEqualTo("Employee handbook");
		assertThat(citation.chunkIndex()).isEqualTo(3);
		assertThat(citation.quote()).isEqualTo(Passages.leave().get(1).content());
	}

	@Test
	void excerptsAreOneLineAndBoundedWithoutSplittingASurrogatePair() {
		assertThat(Citations.excerpt("line one\nline\ttwo\u0007  <b>bold</b>")).isEqualTo("line one line two <b>bold</b>");
		assertThat(Citations.excerpt("x".repeat(1000))).hasSize(Citations.QUOTE_MAX + 1).endsWith("…");
		String emoji = "x".repeat(Citations.QUOTE_MAX - 1) + "😀";
		assertThat(Citations.excerpt(emoji + "tail")).isEqualTo("x".repeat(Citations.QUOTE_MAX - 1) + "…");
	}

	@Test
	void withoutMarkersLeavesTheText() {
		assertThat(Citations.withoutMarkers("15 days [1], via HR [2][3]. Done [1, 2].")).isEqualTo("15 days, via HR. Done.");
	}

}
