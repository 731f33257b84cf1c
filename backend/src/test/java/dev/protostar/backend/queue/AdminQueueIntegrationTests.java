package dev.protostar.backend.queue;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue for admins against the real Redis queue. Other tests leave jobs
 * waiting in the same queue, so figures are compared before and after.
 */
class AdminQueueIntegrationTests extends IntegrationTestSupport {

	private static final String PREFIX = "protostar:jobs:";

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private MeterRegistry meters;

	private final String deadJob = "dead-" + UUID.randomUUID();

	private final String oldJob = "old-" + UUID.randomUUID();

	@AfterEach
	void removeHandMadeJobs() {
		for (String id : new String[] { this.deadJob, this.oldJob }) {
			this.redis.delete(PREFIX + "job:" + id);
			this.redis.opsForZSet().remove(PREFIX + "dead", id);
			this.redis.opsForList().remove(PREFIX + "wait:chat", 0, id);
			this.redis.opsForList().remove(PREFIX + "wait:ingestion", 0, id);
		}
	}

	@Test
	void statsCountWaitingJobsPerTypeAndTheOldestOnesAge() throws Exception {
		String admin = adminAccessToken();
		JsonNode before = stats(admin);

		String user = signup().get("accessToken").asString();
		String conversation = body(postJson("/api/conversations", user, "{}")).at("/data/id").asString();
		assertThat(postJson("/api/conversations/" + conversation + "/messages", user,
				json.writeValueAsString(Map.of("message", "Queued?"))).statusCode()).isEqualTo(202);
		// An ingestion job that has waited an hour, at the end the workers claim from.
		long hourAgo = System.currentTimeMillis() - 3_600_000;
		this.redis.opsForHash().putAll(PREFIX + "job:" + this.oldJob,
				Map.of("type", "ingestion", "state", "waiting", "enqueuedAt", Long.toString(hourAgo)));
		this.redis.opsForList().rightPush(PREFIX + "wait:ingestion", this.oldJob);
		JsonNode after = stats(admin);

		assertThat(after.get("waiting").asLong()).isEqualTo(before.get("waiting").asLong() + 2);
		assertThat(after.at("/byType/chat/waiting").asLong()).isEqualTo(before.at("/byType/chat/waiting").asLong() + 1);
		assertThat(after.at("/byType/ingestion/oldestWaitingSeconds").asLong()).isBetween(3600L, 3700L);
		assertThat(after.get("oldestWaitingSeconds").asLong()).isGreaterThanOrEqualTo(3600L);
		assertThat(after.propertyNames()).contains("running", "delayed", "deadLetters");
	}

	@Test
	void theBackendReportsTheOldestWaitingJobsAgeToPrometheus() throws Exception {
		long hourAgo = System.currentTimeMillis() - 3_600_000;
		this.redis.opsForHash().putAll(PREFIX + "job:" + this.oldJob,
				Map.of("type", "ingestion", "state", "waiting", "enqueuedAt", Long.toString(hourAgo)));
		this.redis.opsForList().rightPush(PREFIX + "wait:ingestion", this.oldJob);
		Thread.sleep(1100); // past the gauges' one-second snapshot

		assertThat(this.meters.get("protostar.queue.oldest.waiting.age").tag("type", "ingestion").gauge().value())
			.isBetween(3600.0, 3700.0);
		assertThat(this.meters.get("protostar.queue.waiting").tag("type", "ingestion").gauge().value())
			.isGreaterThanOrEqualTo(1.0);
		assertThat(this.meters.get("protostar.queue.dead").gauge().value()).isGreaterThanOrEqualTo(0.0);
	}

	@Test
	void deadLettersAreListedNewestFirstAndReplayedOnce() throws Exception {
		String admin = adminAccessToken();
		long failedAt = System.currentTimeMillis() + 60_000;
		this.redis.opsForHash().putAll(PREFIX + "job:" + this.deadJob, Map.of("type", "chat", "state", "dead",
				"attempts", "3", "maxAttempts", "3", "failedAt", Long.toString(failedAt), "lastError", "model down\n  at x"));
		this.redis.opsForZSet().add(PREFIX + "dead", this.deadJob, failedAt);
		long deadBefore = stats(admin).get("deadLetters").asLong();

		JsonNode list = body(get("/api/admin/queue/dead-letters?limit=5", admin)).get("data");

		assertThat(list.get("total").asLong()).isEqualTo(deadBefore);
		JsonNode newest = list.at("/items/0");
		assertThat(newest.get("id").asString()).isEqualTo(this.deadJob);
		assertThat(newest.get("jobId").asString()).isEqualTo(this.deadJob);
		assertThat(newest.get("type").asString()).isEqualTo("chat");
		assertThat(newest.get("attempts").asInt()).isEqualTo(3);
		assertThat(newest.get("error").asString()).isEqualTo("model down at x");
		assertThat(newest.get("failedAt").asString())
			.isEqualTo(java.time.Instant.ofEpochMilli(failedAt).toString());

		HttpResponse<String> replayed = replay(admin, this.deadJob);
		assertThat(replayed.statusCode()).isEqualTo(200);
		assertThat(this.redis.opsForZSet().score(PREFIX + "dead", this.deadJob)).isNull();
		assertThat(this.redis.opsForList().range(PREFIX + "wait:chat", 0, -1)).contains(this.deadJob);
		assertThat(stats(admin).get("deadLetters").asLong()).isEqualTo(deadBefore - 1);

		HttpResponse<String> again = replay(admin, this.deadJob);
		assertThat(again.statusCode()).isEqualTo(404);
		assertThat(body(again).get("resultCode").asString()).isEqualTo("NOT_FOUND");
	}

	@Test
	void unknownOrMalformedIdsAreNotFoundAndBadLimitsRefused() throws Exception {
		String admin = adminAccessToken();

		assertThat(replay(admin, "never-" + UUID.randomUUID()).statusCode()).isEqualTo(404);
		assertThat(replay(admin, "-starts-with-a-dash").statusCode()).isEqualTo(404);
		for (String limit : new String[] { "0", "501", "x" }) {
			HttpResponse<String> response = get("/api/admin/queue/dead-letters?limit=" + limit, admin);
			assertThat(response.statusCode()).as(limit).isEqualTo(400);
			assertThat(body(response).get("resultCode").asString()).as(limit).isEqualTo("VALIDATION_FAILED");
		}
	}

	@Test
	void onlyAdminsSeeTheQueue() throws Exception {
		String guest = signup().get("accessToken").asString();

		assertThat(get("/api/admin/queue", guest).statusCode()).isEqualTo(403);
		assertThat(get("/api/admin/queue/dead-letters", guest).statusCode()).isEqualTo(403);
		assertThat(replay(guest, this.deadJob).statusCode()).isEqualTo(403);
	}

	private JsonNode stats(String admin) throws Exception {
		HttpResponse<String> response = get("/api/admin/queue", admin);
		assertThat(response.statusCode()).isEqualTo(200);
		return body(response).get("data");
	}

	private HttpResponse<String> replay(String token, String id) throws Exception {
		return send(request("/api/admin/queue/dead-letters/" + id + "/replay")
			.header("Authorization", "Bearer " + token)
			.POST(BodyPublishers.noBody())
			.build());
	}

}
