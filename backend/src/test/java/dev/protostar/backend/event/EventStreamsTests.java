package dev.protostar.backend.event;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EventStreamsTests {

	@Test
	void successorIsTheNextPossibleEntryId() {
		assertThat(EventStreams.successor("1700000000000-0")).isEqualTo("1700000000000-1");
		assertThat(EventStreams.successor("5-41")).isEqualTo("5-42");
	}

	@Test
	void entryIdsCompareByTimeThenSequenceAsNumbers() {
		assertThat(EventStreams.compare("10-0", "9-5")).isPositive();
		assertThat(EventStreams.compare("9-10", "9-9")).isPositive();
		assertThat(EventStreams.compare("9-9", "9-9")).isZero();
		assertThat(EventStreams.compare("1-0", "2-0")).isNegative();
	}

	@Test
	void onlyStreamEntryIdsAreTakenAsLastEventIds() {
		assertThat(EventStreams.ENTRY_ID.matcher("1700000000000-0").matches()).isTrue();
		assertThat(EventStreams.ENTRY_ID.matcher("1700000000000").matches()).isFalse();
		assertThat(EventStreams.ENTRY_ID.matcher("1-2\n").matches()).isFalse();
		assertThat(EventStreams.ENTRY_ID.matcher("99999999999999999999-0").matches()).isFalse();
	}

	@Test
	void dataIsKeptOnOneLine() {
		assertThat(EventStreams.oneLine("{\"a\":1}")).isEqualTo("{\"a\":1}");
		assertThat(EventStreams.oneLine("{\n  \"a\": 1\r\n}")).isEqualTo("{   \"a\": 1  }");
	}

}
