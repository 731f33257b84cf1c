package dev.protostar.worker.answer;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OfflineAnswerProviderTests {

	private final OfflineAnswerProvider offline = new OfflineAnswerProvider();

	private final List<String> tokens = new ArrayList<>();

	private Answer ask(String question, List<dev.protostar.worker.retrieval.Passage> passages) {
		return this.offline.answer(Passages.ask(question, passages), this.tokens::add);
	}

	@Test
	void quotesTheSentencesThatShareTheMostWithTheQuestionNumberedByPassage() {
		Answer answer = ask("How many days of leave do I have?", Passages.leave());

		assertThat(answer.text()).isEqualTo("""
				Here is what your organisation's documents say:
				- "Every employee has 15 days of paid annual leave a year." [1]
				- "Unused days may be carried over until the end of March." [1]
				- "Leave requests go through the HR portal at least two weeks ahead." [2]""");
		assertThat(answer.citations()).extracting(Citation::n).containsExactly(1, 2);
		assertThat(answer.citations().get(0).documentId()).isEqualTo(Passages.LEAVE);
		assertThat(answer.citations().get(0).quote()).isEqualTo("Every employee has 15 days of paid annual leave a year.");
		assertThat(answer.citations().get(1).title()).isEqualTo("Employee handbook");
		assertThat(answer.citations().get(1).chunkIndex()).isEqualTo(3);
		assertThat(answer.provider()).isEqualTo("offline");
		assertThat(answer.model()).isNull();
		assertThat(answer.degraded()).isFalse();
	}

	@Test
	void koreanQuestionsAreMatchedByBigramsAndAnsweredInKorean() {
		// 휴가는 and 휴가를 share 휴가: particles stick to Korean words.
		Answer answer = ask("연차 휴가는 며칠인가요?", Passages.korean());

		assertThat(answer.text()).isEqualTo("""
				조직 문서에 따르면:
				- "모든 직원은 1년에 15일의 유급 연차 휴가를 받습니다." [1]
				- "사용하지 않은 휴가는 3월 말까지 이월할 수 있습니다." [1]
				- "휴가 신청은 2주 전까지 인사 포털에서 합니다." [2]""");
		assertThat(answer.citations()).extracting(Citation::title).containsExactly("휴가 규정", "직원 안내서");
	}

	@Test
	void onlyThePassagesQuotedAreCitedAndNumberedInTheOrderQuoted() {
		var passages = new ArrayList<>(Passages.leave());
		java.util.Collections.reverse(passages);

		Answer answer = ask("When does the canteen open?", passages);

		assertThat(answer.text()).isEqualTo("""
				Here is what your organisation's documents say:
				- "The canteen opens at 11:30." [1]""");
		assertThat(answer.citations()).singleElement()
			.satisfies((citation) -> assertThat(citation.documentId()).isEqualTo(Passages.HANDBOOK));
	}

	@Test
	void withoutAWordInCommonTheOpeningSentencesAreTheClosestNotTheAnswer() {
		Answer answer = ask("Quelle est la politique?", Passages.leave());

		assertThat(answer.text()).isEqualTo("""
				No passage answers this directly; these are the closest:
				- "Every employee has 15 days of paid annual leave a year." [1]
				- "The canteen opens at 11:30." [2]""");
	}

	@Test
	void withoutPassagesItSaysNoDocumentCoversTheQuestionAndQuotesIt() {
		assertThat(ask("How many days of leave do I have?", List.of()).text())
			.contains("no indexed document covers \"How many days of leave do I have?\"");
		assertThat(ask("연차는 며칠인가요?", List.of()).text()).contains("\"연차는 며칠인가요?\"에 해당하는 문서가 없습니다");
		assertThat(ask("What?", List.of()).citations()).isEmpty();
	}

	@Test
	void theQuotedQuestionIsOneLineWithoutControlCharactersAndBounded() {
		assertThat(ask("line one\nline\ttwo\u0007  <b>bold</b>", List.of()).text())
			.contains("\"line one line two <b>bold</b>\"");
		assertThat(ask("x".repeat(1000), List.of()).text()).contains("x".repeat(Citations.QUOTE_MAX) + "…\"");
	}

	@Test
	void aStandInSaysSoInTheQuestionsLanguage() {
		List<String> ignored = new ArrayList<>();
		assertThat(this.offline.answer(Passages.ask("How many days of leave?", Passages.leave()), ignored::add, true).text())
			.startsWith("The answer service is unavailable right now, so this answer quotes the documents directly.\n\n"
					+ "Here is what");
		assertThat(this.offline.answer(Passages.ask("연차 휴가는 며칠인가요?", Passages.korean()), ignored::add, true).text())
			.startsWith("지금은 답변 서비스를 사용할 수 없어 문서를 그대로 인용합니다.\n\n조직 문서에 따르면:");
	}

	@Test
	void theTokensAreWordsThatSpellTheAnswerExactly() {
		Answer answer = ask("How many days of leave do I have?", Passages.leave());

		assertThat(String.join("", this.tokens)).isEqualTo(answer.text());
		assertThat(this.tokens).hasSizeGreaterThan(10).allSatisfy((token) -> assertThat(token.strip()).doesNotContain(" "));
	}

	@Test
	void theSameQuestionAndPassagesGiveTheSameAnswer() {
		assertThat(ask("How many days of leave do I have?", Passages.leave()))
			.isEqualTo(ask("How many days of leave do I have?", Passages.leave()));
	}

	@Test
	void longSentencesAreCut() {
		var passage = new dev.protostar.worker.retrieval.Passage(Passages.LEAVE, "Long", 0,
				"Leave " + "and more leave words ".repeat(40) + "end.", 1);

		Answer answer = ask("leave words", List.of(passage));

		assertThat(answer.text().lines().skip(1).findFirst().orElseThrow())
			.hasSize("- \"".length() + OfflineAnswerProvider.MAX_SENTENCE + "…\" [1]".length());
	}

}
