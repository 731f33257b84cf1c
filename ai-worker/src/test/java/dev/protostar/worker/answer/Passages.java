package dev.protostar.worker.answer;

import java.util.List;
import java.util.UUID;

import dev.protostar.worker.retrieval.Passage;

/** Passages as a retriever returns them, for the tests. */
final class Passages {

	static final UUID LEAVE = UUID.fromString("00000000-0000-0000-0000-00000000000a");

	static final UUID HANDBOOK = UUID.fromString("00000000-0000-0000-0000-00000000000b");

	private Passages() {
	}

	static List<Passage> leave() {
		return List.of(
				new Passage(LEAVE, "Leave policy", 0, "Annual leave. Every employee has 15 days of paid annual leave a"
						+ " year. Unused days may be carried over until the end of March.", 0.9),
				new Passage(HANDBOOK, "Employee handbook", 3, "The canteen opens at 11:30. Leave requests go through"
						+ " the HR portal at least two weeks ahead.", 0.5));
	}

	static List<Passage> korean() {
		return List.of(new Passage(LEAVE, "휴가 규정", 0,
				"연차 휴가. 모든 직원은 1년에 15일의 유급 연차 휴가를 받습니다. 사용하지 않은 휴가는 3월 말까지 이월할 수 있습니다.", 0.9),
				new Passage(HANDBOOK, "직원 안내서", 1, "구내식당은 11시 30분에 엽니다. 휴가 신청은 2주 전까지 인사 포털에서 합니다.", 0.4));
	}

	static AnswerRequest ask(String question, List<Passage> passages) {
		return new AnswerRequest(question, passages, List.of());
	}

}
