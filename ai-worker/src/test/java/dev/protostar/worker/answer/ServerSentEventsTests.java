package dev.protostar.worker.answer;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServerSentEventsTests {

	private static List<String> parse(String... lines) {
		ServerSentEvents parser = new ServerSentEvents();
		List<String> events = new ArrayList<>();
		for (String line : lines) {
			String event = parser.line(line);
			if (event != null) {
				events.add(event);
			}
		}
		return events;
	}

	@Test
	void aBlankLineDispatchesTheDataBeforeIt() {
		assertThat(parse("data: {\"a\":1}", "", "data: [DONE]", "")).containsExactly("{\"a\":1}", "[DONE]");
	}

	@Test
	void oneSpaceAfterTheColonIsDroppedAndOnlyOne() {
		assertThat(parse("data:x", "", "data:  y", "")).containsExactly("x", " y");
	}

	@Test
	void dataLinesOfOneEventAreJoinedWithNewlines() {
		assertThat(parse("data: {", "data: \"a\": 1", "data: }", "")).containsExactly("{\n\"a\": 1\n}");
	}

	@Test
	void commentsOtherFieldsAndEmptyEventsCarryNothing() {
		assertThat(parse(": keep-alive", "", "event: message", "id: 7", "retry: 3000", "", "data: x", "")).containsExactly("x");
	}

	@Test
	void aByteOrderMarkAtTheStartIsIgnored() {
		assertThat(parse("\uFEFFdata: x", "")).containsExactly("x");
	}

	@Test
	void dataWithoutItsBlankLineIsPendingNotDispatched() {
		ServerSentEvents parser = new ServerSentEvents();
		assertThat(parser.line("data: {\"half\"")).isNull();
		assertThat(parser.pending()).isTrue();
		assertThat(parser.line("")).isEqualTo("{\"half\"");
		assertThat(parser.pending()).isFalse();
	}

}
