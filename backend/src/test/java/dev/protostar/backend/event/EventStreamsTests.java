package dev.protostar.backend.event;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.StreamOperations;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.backend.queue.QueueClientProperties;
import dev.protostar.contract.crypto.DataCipher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

class EventStreamsTests {

	/**
	 * On the JRE 21 a virtual thread waiting inside the Redis pool pins its carrier, and
	 * with 2 cores that stalled every delivery (see EventStreams.redisReads): the
	 * deliveries' reads must run on platform threads.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void deliveriesNeverReadRedisOnAVirtualThread() throws Exception {
		StringRedisTemplate redis = mock(StringRedisTemplate.class);
		StreamOperations<String, Object, Object> stream = mock(StreamOperations.class);
		given(redis.<Object, Object>opsForStream()).willReturn(stream);
		java.util.List<Boolean> virtual = new java.util.concurrent.CopyOnWriteArrayList<>();
		java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
		given(stream.range(anyString(), any(), any())).willAnswer((invocation) -> {
			virtual.add(Thread.currentThread().isVirtual());
			read.countDown();
			return java.util.List.of();
		});
		EventStreams streams = new EventStreams(redis, new QueueClientProperties("protostar:jobs:",
				"protostar:events:", 3, 1000, java.time.Duration.ofMinutes(5)),
				new EventStreamProperties(java.time.Duration.ofSeconds(15), java.time.Duration.ofSeconds(3), 5,
						java.time.Duration.ofMinutes(30), 200, java.time.Duration.ofSeconds(2)),
				DataCipher.plaintext(), "blue", new SimpleMeterRegistry());
		streams.start();
		try {
			streams.open("u-1", null);
			assertThat(read.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
			assertThat(virtual).isNotEmpty().doesNotContain(true);
		}
		finally {
			streams.stop();
		}
	}

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
