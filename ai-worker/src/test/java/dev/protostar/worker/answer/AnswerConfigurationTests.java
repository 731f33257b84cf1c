package dev.protostar.worker.answer;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import dev.protostar.worker.WorkerApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Starts the real application (no web server, no job worker: nothing is contacted) in
 * the production profile, so a remote provider without its settings is refused at
 * start with the variables named, as ProductionSecrets refuses a missing password.
 */
class AnswerConfigurationTests {

	@Test
	void openAiWithoutBaseUrlOrModelIsRefusedNamingBoth() {
		assertThatException().isThrownBy(() -> run("--PROTOSTAR_ANSWER_PROVIDER=openai"))
			.havingRootCause()
			.withMessageContaining("the answer provider openai needs ANSWER_BASE_URL (protostar.answer.base-url),"
					+ " ANSWER_MODEL (protostar.answer.model)");
	}

	@Test
	void geminiNeedsItsKeyAndModelButNotAUrl() {
		assertThatException().isThrownBy(() -> run("--PROTOSTAR_ANSWER_PROVIDER=gemini", "--PROTOSTAR_ANSWER_MODEL=gemini-2.5-flash"))
			.havingRootCause()
			.withMessageContaining("the answer provider gemini needs ANSWER_API_KEY")
			.withMessageNotContaining("ANSWER_BASE_URL")
			.withMessageNotContaining("ANSWER_MODEL");
	}

	@Test
	void aBaseUrlThatIsNoUrlIsNamed() {
		assertThatException()
			.isThrownBy(() -> run("--PROTOSTAR_ANSWER_PROVIDER=openai", "--PROTOSTAR_ANSWER_BASE_URL=vllm:8000/v1",
					"--PROTOSTAR_ANSWER_MODEL=m"))
			.havingRootCause()
			.withMessageContaining("ANSWER_BASE_URL (protostar.answer.base-url) as an http(s) URL, not 'vllm:8000/v1'");
	}

	@Test
	void anUnknownProviderIsRefused() {
		assertThatException().isThrownBy(() -> run("--PROTOSTAR_ANSWER_PROVIDER=claude"))
			.withStackTraceContaining("protostar.answer.provider");
	}

	@Test
	void offlineByDefaultAndACompleteRemoteProviderStart() {
		try (ConfigurableApplicationContext context = run()) {
			assertThat(context.getBean(AnswerService.class).provider()).isEqualTo("offline");
		}
		try (ConfigurableApplicationContext context = run("--PROTOSTAR_ANSWER_PROVIDER=openai",
				"--PROTOSTAR_ANSWER_BASE_URL=http://ollama:11434/v1", "--PROTOSTAR_ANSWER_MODEL=qwen2.5:7b")) {
			assertThat(context.getBean(AnswerService.class).provider()).isEqualTo("openai");
		}
	}

	private static ConfigurableApplicationContext run(String... arguments) {
		String[] all = new String[arguments.length + 5];
		all[0] = "--spring.main.web-application-type=none";
		all[1] = "--protostar.queue.enabled=false";
		all[2] = "--spring.profiles.active=production";
		all[3] = "--POSTGRES_PASSWORD=pg-secret";
		all[4] = "--REDIS_PASSWORD=redis-secret";
		System.arraycopy(arguments, 0, all, 5, arguments.length);
		return SpringApplication.run(WorkerApplication.class, all);
	}

}
