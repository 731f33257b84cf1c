package dev.protostar.contract.queue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.protostar.contract.crypto.DataCipher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class JobEventsTests {

	@Test
	void theBodyIsTheJobIdAndThenTheEventsFieldsInOrder() {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("attempt", 2);
		data.put("maxAttempts", 5);
		data.put("message", "Ünïcode \"quoted\"");
		data.put("citations", List.of(Map.of("n", 1)));
		assertThat(JobEvents.body("j-1", data)).isEqualTo(
				"{\"jobId\":\"j-1\",\"attempt\":2,\"maxAttempts\":5,\"message\":\"Ünïcode \\\"quoted\\\"\",\"citations\":[{\"n\":1}]}");
	}

	@Test
	void aUserIdThatCannotBePartOfAKeyIsRefusedBeforeRedisIsAsked() {
		JobEvents events = new JobEvents(null, new QueueKeys("p:", "e:"), 10, Duration.ofMinutes(5),
				DataCipher.plaintext());
		assertThatIllegalArgumentException().isThrownBy(() -> events.publish("a b", "j", "token", Map.of()))
			.withMessage("malformed userId for an event key");
	}

}
