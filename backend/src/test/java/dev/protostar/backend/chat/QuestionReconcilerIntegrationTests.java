package dev.protostar.backend.chat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A question stored {@code pending} whose job Redis lost is enqueued again, once, under
 * its own job id; one whose job is still queued is left alone. Real PostgreSQL and
 * Redis; the loss is made as Redis losing its last second of AOF would: the job's hash
 * and its entry in the waiting list are gone.
 */
class QuestionReconcilerIntegrationTests extends IntegrationTestSupport {

	private static final String WAITING = "protostar:jobs:wait:chat";

	@Autowired
	private QuestionReconciler reconciler;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private MeterRegistry meters;

	@Test
	void aPendingQuestionWithoutItsJobIsEnqueuedOnceAndALiveOneIsLeftAlone() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String conversationId = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		String lost = ask(token, conversationId, "Where did my question go?");
		String kept = ask(token, conversationId, "Is this one still queued?");
		this.redis.delete(job(lost));
		this.redis.opsForList().remove(WAITING, 0, lost);
		Object keptEnqueuedAt = this.redis.opsForHash().get(job(kept), "enqueuedAt");
		double requeuedBefore = this.meters.counter("protostar.questions.requeued").count();

		// Too young: its request may still be enqueueing it.
		this.reconciler.reconcile(Instant.now());
		assertThat(this.redis.hasKey(job(lost))).isFalse();

		// Both colours reconcile at the same moment, three minutes on.
		Instant later = Instant.now().plus(Duration.ofMinutes(3));
		Callable<Integer> reconcile = () -> this.reconciler.reconcile(later);
		try (ExecutorService colours = Executors.newFixedThreadPool(2)) {
			List<Future<Integer>> runs = colours.invokeAll(List.of(reconcile, reconcile));
			for (Future<Integer> run : runs) {
				run.get();
			}
		}

		assertThat(this.redis.opsForHash().get(job(lost), "state")).isEqualTo("waiting");
		assertThat((String) this.redis.opsForHash().get(job(lost), "payload"))
			.contains("Where did my question go?")
			.contains(user.at("/user/id").asString())
			.contains("\"role\":\"GUEST\"");
		assertThat(occurrencesWaiting(lost)).isOne();
		assertThat(this.redis.opsForHash().get(job(kept), "enqueuedAt")).isEqualTo(keptEnqueuedAt);
		assertThat(occurrencesWaiting(kept)).isOne();
		assertThat(this.meters.counter("protostar.questions.requeued").count()).isGreaterThanOrEqualTo(requeuedBefore + 1);

		// Found again on the next run, it is known to the queue now: nothing more.
		this.reconciler.reconcile(later);
		assertThat(occurrencesWaiting(lost)).isOne();
	}

	private String ask(String token, String conversationId, String message) throws Exception {
		var response = postJson("/api/conversations/" + conversationId + "/messages", token,
				"{\"message\":\"" + message + "\"}");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
		return body(response).at("/data/jobId").asString();
	}

	private long occurrencesWaiting(String jobId) {
		return this.redis.opsForList().range(WAITING, 0, -1).stream().filter(jobId::equals).count();
	}

	private static String job(String jobId) {
		return "protostar:jobs:job:" + jobId;
	}

}
