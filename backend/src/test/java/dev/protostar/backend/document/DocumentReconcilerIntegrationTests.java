package dev.protostar.backend.document;

import java.net.http.HttpRequest.BodyPublishers;
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
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.Multipart;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A document in ingestion whose job Redis lost is enqueued again, once, under its own
 * job id, whether it was still waiting or already embedding; one whose job is still
 * queued, and one that is ready, are left alone. Real PostgreSQL and Redis; the loss is
 * made as Redis losing its data would: the job's hash and its entry in the waiting list
 * are gone. No worker runs here, so jobs stay where they were put.
 */
class DocumentReconcilerIntegrationTests extends IntegrationTestSupport {

	private static final String WAITING = "protostar:jobs:wait:ingestion";

	@Autowired
	private DocumentReconciler reconciler;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private MeterRegistry meters;

	@Test
	void aDocumentWhoseJobIsGoneIsEnqueuedOnceAndLiveOrReadyOnesAreLeftAlone() throws Exception {
		String token = login(ADMIN_EMAIL, ADMIN_PASSWORD).get("accessToken").asString();
		JsonNode lostWaiting = upload(token, "lost-while-waiting.txt");
		JsonNode lostEmbedding = upload(token, "lost-while-embedding.txt");
		JsonNode live = upload(token, "still-queued.txt");
		JsonNode ready = upload(token, "ready.txt");
		for (JsonNode lost : List.of(lostWaiting, lostEmbedding, ready)) {
			forget(lost.get("jobId").asString());
		}
		this.jdbc.update("UPDATE documents SET status = 'embedding' WHERE id = ?::uuid", id(lostEmbedding));
		this.jdbc.update("UPDATE documents SET status = 'ready' WHERE id = ?::uuid", id(ready));
		Object liveEnqueuedAt = this.redis.opsForHash().get(job(live), "enqueuedAt");
		double requeuedBefore = this.meters.counter("protostar.documents.requeued").count();

		// Too young: the upload may still be enqueueing it.
		assertThat(this.reconciler.reconcile(Instant.now())).isZero();
		assertThat(this.redis.hasKey(job(lostWaiting))).isFalse();

		// Both colours reconcile at the same moment, three minutes on.
		Instant later = Instant.now().plus(Duration.ofMinutes(3));
		Callable<Integer> reconcile = () -> this.reconciler.reconcile(later);
		try (ExecutorService colours = Executors.newFixedThreadPool(2)) {
			for (Future<Integer> run : colours.invokeAll(List.of(reconcile, reconcile))) {
				run.get();
			}
		}

		for (JsonNode lost : List.of(lostWaiting, lostEmbedding)) {
			assertThat(this.redis.opsForHash().get(job(lost), "state")).isEqualTo("waiting");
			assertThat((String) this.redis.opsForHash().get(job(lost), "payload")).contains(id(lost));
			assertThat(occurrencesWaiting(lost)).isOne();
		}
		assertThat(this.redis.opsForHash().get(job(live), "enqueuedAt")).isEqualTo(liveEnqueuedAt);
		assertThat(occurrencesWaiting(live)).isOne();
		assertThat(this.redis.hasKey(job(ready))).isFalse();
		assertThat(this.meters.counter("protostar.documents.requeued").count()).isEqualTo(requeuedBefore + 2);

		// Found again on the next run, they are known to the queue now: nothing more.
		assertThat(this.reconciler.reconcile(later)).isZero();
		assertThat(occurrencesWaiting(lostWaiting)).isOne();
	}

	private JsonNode upload(String token, String filename) throws Exception {
		Multipart body = new Multipart().file("file", filename, "text/plain",
				DocumentIntegrationTests.unique("Expenses are refunded within 30 days."));
		var response = send(request(DocumentIntegrationTests.DOCUMENTS).header("Authorization", "Bearer " + token)
			.header("Content-Type", body.contentType())
			.POST(BodyPublishers.ofByteArray(body.bytes()))
			.build());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		return body(response).get("data");
	}

	private void forget(String jobId) {
		this.redis.delete("protostar:jobs:job:" + jobId);
		this.redis.opsForList().remove(WAITING, 0, jobId);
	}

	private long occurrencesWaiting(JsonNode upload) {
		String jobId = upload.get("jobId").asString();
		return this.redis.opsForList().range(WAITING, 0, -1).stream().filter(jobId::equals).count();
	}

	private static String id(JsonNode upload) {
		return upload.at("/document/id").asString();
	}

	private static String job(JsonNode upload) {
		return "protostar:jobs:job:" + upload.get("jobId").asString();
	}

}
