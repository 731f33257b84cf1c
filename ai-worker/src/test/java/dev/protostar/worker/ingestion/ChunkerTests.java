package dev.protostar.worker.ingestion;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ChunkerTests {

	private final Chunker chunker = new Chunker(400, 80);

	@Test
	void shortTextIsOneChunk() {
		assertThat(this.chunker.chunk("  A short text.  ")).containsExactly("A short text.");
		assertThat(this.chunker.chunk(" \n ")).isEmpty();
	}

	@Test
	void sameInputSameChunks() {
		String text = TestDocuments.prose(20_000, 7);
		List<String> first = this.chunker.chunk(text);
		assertThat(first).hasSizeGreaterThan(40);
		assertThat(new Chunker(400, 80).chunk(new String(text.toCharArray()))).isEqualTo(first);
	}

	@Test
	void chunksAreBoundedCoverTheTextAndOverlap() {
		String text = TestDocuments.prose(20_000, 3);
		List<String> chunks = this.chunker.chunk(text);
		int from = 0;
		for (int i = 0; i < chunks.size(); i++) {
			String chunk = chunks.get(i);
			assertThat(chunk.length()).as("chunk %d", i).isBetween(1, 400);
			int at = text.indexOf(chunk, Math.max(0, from - 400));
			assertThat(at).as("chunk %d is a piece of the text", i).isGreaterThanOrEqualTo(0);
			if (i > 0) {
				String previous = chunks.get(i - 1);
				// The next chunk starts inside the previous one, about `overlap` before its end.
				String head = chunk.substring(0, Math.min(20, chunk.length()));
				assertThat(previous).as("chunk %d overlaps chunk %d", i, i - 1).contains(head);
				assertThat(previous.length() - previous.lastIndexOf(head)).isBetween(20, 80);
			}
			from = at + chunk.length();
		}
		assertThat(from).isEqualTo(text.length());
	}

	@Test
	void cutsPreferParagraphsThenSentences() {
		String paragraph = "First paragraph sentence one. It goes on a while to fill space here.";
		String text = paragraph + "\n\n" + "Second paragraph. ".repeat(30);
		List<String> chunks = new Chunker(100, 20).chunk(text);
		assertThat(chunks.get(0)).isEqualTo(paragraph);
		assertThat(chunks.get(1)).endsWith(".");
	}

	@Test
	void koreanSentencesAreKeptWhole() {
		String sentence = "연차 휴가는 입사 1년 후부터 매년 15일이 주어집니다. ";
		String text = sentence.repeat(40);
		List<String> chunks = new Chunker(200, 40).chunk(text);
		assertThat(chunks).hasSizeGreaterThan(5);
		assertThat(chunks).allSatisfy((chunk) -> {
			assertThat(chunk).endsWith("주어집니다.");
			assertThat(chunk.length()).isLessThanOrEqualTo(200);
		});
	}

	@Test
	void textWithoutSpacesIsCutHardButNotInsideASurrogatePair() {
		String text = "😀".repeat(300); // two chars each
		List<String> chunks = new Chunker(101, 10).chunk(text);
		assertThat(chunks).allSatisfy((chunk) -> {
			assertThat(Character.isLowSurrogate(chunk.charAt(0))).isFalse();
			assertThat(Character.isHighSurrogate(chunk.charAt(chunk.length() - 1))).isFalse();
		});
		assertThat(String.join("", chunks).length()).isGreaterThanOrEqualTo(text.length());
	}

	@Test
	void settingsAreChecked() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Chunker(10, 0));
		assertThatIllegalArgumentException().isThrownBy(() -> new Chunker(100, 60));
	}

}
