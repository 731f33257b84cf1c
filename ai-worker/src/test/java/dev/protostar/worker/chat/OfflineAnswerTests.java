package dev.protostar.worker.chat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OfflineAnswerTests {

	@Test
	void theAnswerSaysNoDocumentCoversTheQuestionAndQuotesIt() {
		String answer = OfflineAnswer.compose("How many days of leave do I have?");

		assertThat(answer).contains("no indexed document covers \"How many days of leave do I have?\"");
	}

	@Test
	void theQuoteIsOneLineWithoutControlCharactersAndBounded() {
		assertThat(OfflineAnswer.quote("line one\nline\ttwo\u0007  <b>bold</b>")).isEqualTo("line one line two <b>bold</b>");
		String quote = OfflineAnswer.quote("x".repeat(1000));
		assertThat(quote).hasSize(OfflineAnswer.QUOTE_MAX + 1).endsWith("…");
	}

	@Test
	void tokensAreWordsThatConcatenateToTheAnswer() {
		String answer = OfflineAnswer.compose("Where is the canteen?");

		var tokens = OfflineAnswer.tokens(answer);

		assertThat(String.join("", tokens)).isEqualTo(answer);
		assertThat(tokens).hasSizeGreaterThan(10).allSatisfy((token) -> assertThat(token.strip()).doesNotContain(" "));
	}

}
