package dev.protostar.contract.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

import static org.assertj.core.api.Assertions.assertThat;

class QueueScriptsTests {

	@Test
	void everyScriptIsOnTheClassPathAndNamesItsProtocolVersion() {
		List<RedisScript<?>> scripts = List.of(QueueScripts.ENQUEUE, QueueScripts.CLAIM, QueueScripts.EXTEND,
				QueueScripts.COMPLETE, QueueScripts.FAIL, QueueScripts.RELEASE, QueueScripts.MAINTAIN,
				QueueScripts.STATS, QueueScripts.DLQ_LIST, QueueScripts.REPLAY, QueueScripts.PURGE,
				QueueScripts.PUBLISH_EVENT);
		assertThat(scripts).allSatisfy((script) -> {
			assertThat(script.getScriptAsString()).startsWith("-- protostar-queue v1: ");
			assertThat(script.getSha1()).hasSize(40);
		});
		assertThat(scripts).extracting(RedisScript::getSha1).doesNotHaveDuplicates();
	}

	@Test
	void theScriptsAreTheFilesProtostarJobsRuns() throws IOException {
		// scripts/libexec/protostar-jobs reads queue/*.lua from this module's sources.
		String enqueue = new ClassPathResource("queue/enqueue.lua").getContentAsString(StandardCharsets.UTF_8);
		assertThat(QueueScripts.ENQUEUE.getScriptAsString()).isEqualTo(enqueue);
		assertThat(QueueScripts.ENQUEUE.getResultType()).isEqualTo(Long.class);
		assertThat(QueueScripts.PUBLISH_EVENT.getResultType()).isEqualTo(String.class);
	}

}
